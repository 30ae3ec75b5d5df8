//! Real files of every allowed type, and the bad ones an attacker would try (SPEC §4), made
//! in code so that every run tests the same bytes. Images come from real encoders; the PDF,
//! DOCX and DOC are the smallest well-formed files of their kind.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use crate::TestApp;

/// A file to upload: the name the person's computer gives it, and its bytes.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The uploaded file name.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl Sample {
    fn new(name: &str, bytes: Vec<u8>) -> Self {
        Self {
            name: name.to_owned(),
            bytes,
        }
    }
}

/// One file of each allowed type with the content type the server must find.
pub fn allowed() -> Vec<(Sample, &'static str)> {
    vec![
        (Sample::new("referral.pdf", pdf()), "application/pdf"),
        (Sample::new("intake form.doc", doc()), "application/msword"),
        (
            Sample::new("care plan.docx", docx()),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            Sample::new("notes.txt", "Notes — Grüße\nline two\n".as_bytes().to_vec()),
            "text/plain; charset=utf-8",
        ),
        (
            Sample::new("scan.jpg", image(image::ImageFormat::Jpeg)),
            "image/jpeg",
        ),
        (
            Sample::new("chart.png", image(image::ImageFormat::Png)),
            "image/png",
        ),
        (
            Sample::new("old scan.bmp", image(image::ImageFormat::Bmp)),
            "image/bmp",
        ),
        (
            Sample::new("wave.gif", image(image::ImageFormat::Gif)),
            "image/gif",
        ),
    ]
}

/// A one-page PDF that says "Hello".
pub fn pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length 35 >>\nstream\nBT /F1 18 Tf 20 40 Td (Hello) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A minimal Word document (the parts Word needs to open it).
pub fn docx() -> Vec<u8> {
    zip(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        (
            "word/document.xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Care plan</w:t></w:r></w:p></w:body></w:document>"#,
        ),
    ])
}

/// An OLE compound file with a `WordDocument` stream, the container of a Word 97 document.
pub fn doc() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("a compound file");
    // A Word 97 file information block starts with the magic 0xA5EC.
    let mut fib = vec![0xEC, 0xA5, 0xC1, 0x00];
    fib.resize(1472, 0);
    file.create_stream("/WordDocument")
        .expect("a stream")
        .write_all(&fib)
        .expect("written");
    file.create_stream("/1Table")
        .expect("a stream")
        .write_all(&[0; 512])
        .expect("written");
    file.flush().expect("flushed");
    file.into_inner().into_inner()
}

/// A 64×48 gradient in `format`.
pub fn image(format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).expect("encoded");
    out.into_inner()
}

/// A ZIP of `entries`, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).expect("an entry");
        writer.write_all(data).expect("written");
    }
    writer.finish().expect("a zip").into_inner()
}

/// A DOCX whose media entries expand to `megabytes` MB of zeros from a few hundred KB.
pub fn docx_bomb(megabytes: usize) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    writer
        .start_file("[Content_Types].xml", options)
        .expect("an entry");
    writer.write_all(b"<Types/>").expect("written");
    writer
        .start_file("word/document.xml", options)
        .expect("an entry");
    writer.write_all(b"<w:document/>").expect("written");
    writer
        .start_file("word/media/image1.png", options)
        .expect("an entry");
    let megabyte = vec![0u8; 1_000_000];
    for _ in 0..megabytes {
        writer.write_all(&megabyte).expect("written");
    }
    writer.finish().expect("a zip").into_inner()
}

/// The start of a Windows program.
pub fn exe() -> Vec<u8> {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    bytes.resize(512, 0);
    bytes[0x3c] = 0x80;
    bytes.extend(b"PE\0\0");
    bytes
}

/// The start of an MP4 video (an `ftyp` box and an empty `mdat`).
pub fn mp4() -> Vec<u8> {
    let mut bytes = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41".to_vec();
    bytes.extend(b"\x00\x00\x00\x08mdat");
    bytes
}

/// Every file under `dir`, however deep.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

impl TestApp {
    /// `POST /api/v1/attachments` with `sample` as the part `file`.
    pub async fn upload(&self, token: &str, sample: &Sample) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(sample.bytes.clone())
            .file_name(sample.name.clone())
            .mime_str("application/octet-stream")
            .expect("a content type");
        self.client
            .post(self.url("/api/v1/attachments"))
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("an answer")
    }

    /// Uploads `sample`; panics unless 201. Answers the new attachment.
    pub async fn uploaded(
        &self,
        token: &str,
        sample: &Sample,
    ) -> confidant_openapi::attachments::Attachment {
        let response = self.upload(token, sample).await;
        assert_eq!(response.status(), 201, "upload {}", sample.name);
        response.json().await.expect("an attachment")
    }

    /// The files in this server's attachment storage.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        files_under(self.storage.path())
    }
}

/// `Sample` of plain text.
pub fn text(name: &str, content: &str) -> Sample {
    Sample::new(name, content.as_bytes().to_vec())
}

/// `Sample` of any bytes.
pub fn sample(name: &str, bytes: Vec<u8>) -> Sample {
    Sample::new(name, bytes)
}
