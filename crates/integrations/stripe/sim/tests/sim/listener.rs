//! A webhook receiver for tests: records every request (signature header and raw body) and answers 500 to
//! the first `refuse` of them.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Debug, Clone)]
pub struct Received {
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Clone, Default)]
pub struct Listener {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub refuse: Arc<Mutex<usize>>,
}

impl Listener {
    pub fn refusing(n: usize) -> Self {
        Self { refuse: Arc::new(Mutex::new(n)), ..Self::default() }
    }

    /// Serves on `listener` and returns the URL to register.
    pub fn serve(&self, listener: TcpListener) -> String {
        let addr = listener.local_addr().unwrap();
        let me = self.clone();
        let server = HttpServer::new(move || {
            let me = me.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let me = me.clone();
                async move {
                    let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(String::from);
                    me.received.lock().unwrap().push(Received {
                        signature: h("Stripe-Signature"),
                        content_type: h("Content-Type"),
                        user_agent: h("User-Agent"),
                        body: body.to_vec(),
                    });
                    let mut refuse = me.refuse.lock().unwrap();
                    if *refuse > 0 {
                        *refuse -= 1;
                        return HttpResponse::InternalServerError().body("not now");
                    }
                    HttpResponse::Ok().body("ok")
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        format!("http://{addr}/webhooks/stripe")
    }

    pub fn start(&self) -> String {
        self.serve(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The parsed events received, in arrival order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.all().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect()
    }
}
