//! `/docs/errors`: the error catalogue that every problem's `type` points at, for integrators
//! (one entry per `code`: what it means, what typically causes it, what to do).

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use confidant_openapi::ProblemCode;

/// The catalogue as a page.
pub async fn error_catalogue() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(page())
}

fn page() -> String {
    let mut entries = String::new();
    for code in ProblemCode::ALL {
        let (meaning, cause, remedy) = code.catalogue();
        entries.push_str(&format!(
            "<section id=\"{id}\"><h2><code>{id}</code> <span>HTTP {status} · {title}</span></h2>\
             <dl><dt>Meaning</dt><dd>{meaning}</dd><dt>Typical cause</dt><dd>{cause}</dd>\
             <dt>What to do</dt><dd>{remedy}</dd></dl></section>\n",
            id = code.as_str(),
            status = code.status(),
            title = escape(code.title()),
            meaning = markup(meaning),
            cause = markup(cause),
            remedy = markup(remedy),
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Confidant API errors</title><style>{STYLE}</style></head>\
         <body><main><h1>Confidant API errors</h1>\
         <p>Every error is an RFC 9457 problem (<code>application/problem+json</code>) with a stable \
         <code>code</code> and a <code>type</code> that links here. See the \
         <a href=\"/docs/\">API reference</a>.</p>\n{entries}</main></body></html>\n"
    )
}

/// A calm, readable page (inline: `/docs` allows inline styles for Swagger UI's sake).
const STYLE: &str = "body{margin:0;background:#f6f7f9;color:#1f2933;\
    font:16px/1.55 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}\
    main{max-width:760px;margin:0 auto;padding:32px 20px}h1{font-size:26px;margin:0 0 8px}\
    section{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:16px 20px;margin:16px 0}\
    h2{font-size:18px;margin:0 0 8px}h2 span{font-weight:400;color:#52606d;font-size:15px}\
    dt{font-weight:600;margin-top:8px}dd{margin:2px 0 0}code{background:#eef0f4;padding:1px 5px;border-radius:4px}\
    a{color:#2f5fd0}";

/// Text with `code spans` in backticks, as HTML.
fn markup(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_an_anchor_for_every_code() {
        let page = page();
        for code in ProblemCode::ALL {
            assert!(
                page.contains(&format!("id=\"{}\"", code.as_str())),
                "{code:?}"
            );
        }
        assert!(page.contains("<code>Retry-After</code>"));
    }
}
