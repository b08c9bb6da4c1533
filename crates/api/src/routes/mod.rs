//! Routes. One handler per file.

pub mod customers;
pub mod health;
pub mod stripe_webhook;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks/stripe", web::post().to(stripe_webhook::receive));
    cfg.route("/healthz", web::get().to(health::healthz)).route("/readyz", web::get().to(health::readyz)).service(
        web::scope("/v1/customers")
            .route("", web::post().to(customers::create::create))
            .route("", web::get().to(customers::list::list))
            .route("/{id}", web::get().to(customers::get::get))
            .route("/{id}", web::patch().to(customers::update::update))
            .route("/{id}", web::delete().to(customers::delete::delete)),
    );
}
