//! Routes. One handler per file.

pub mod customers;
pub mod external;
pub mod health;
pub mod salesforce;
pub mod stripe_webhook;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks/stripe", web::post().to(stripe_webhook::receive))
        .route("/webhooks/salesforce/outbound-messages/{token}", web::post().to(salesforce::outbound::receive))
        .route("/webhooks/salesforce/callouts", web::post().to(salesforce::callout::receive));
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/v1/customers")
                .route("", web::post().to(customers::create::create))
                .route("", web::get().to(customers::list::list))
                .route("/{id}", web::get().to(customers::get::get))
                .route("/{id}", web::patch().to(customers::update::update))
                .route("/{id}", web::delete().to(customers::delete::delete))
                .route("/{id}/sync", web::get().to(customers::sync::status))
                .route("/{id}/resync", web::post().to(customers::sync::resync)),
        )
        .service(
            web::scope("/v1/salesforce/contacts")
                .route("", web::post().to(external::salesforce_contacts::create))
                .route("", web::get().to(external::salesforce_contacts::list))
                .route("/{id}", web::get().to(external::salesforce_contacts::get))
                .route("/{id}", web::patch().to(external::salesforce_contacts::update))
                .route("/{id}", web::delete().to(external::salesforce_contacts::delete)),
        )
        .service(
            web::scope("/v1/stripe/customers")
                .route("", web::post().to(external::stripe_customers::create))
                .route("", web::get().to(external::stripe_customers::list))
                .route("/{id}", web::get().to(external::stripe_customers::get))
                .route("/{id}", web::patch().to(external::stripe_customers::update))
                .route("/{id}", web::delete().to(external::stripe_customers::delete)),
        );
}
