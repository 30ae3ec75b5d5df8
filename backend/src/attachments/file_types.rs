//! R-ATT-TYPES: what a file is, decided from its bytes alone. The name and the Content-Type
//! the browser sent are never consulted, so a program renamed `report.pdf` stays a program.

use std::io::{Cursor, Read};

/// The kinds of file that may be attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Doc,
    Docx,
    Txt,
    Jpeg,
    Png,
    Bmp,
    Gif,
}

/// Why a file was refused: said to the person, so in plain words.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

/// A DOCX may hold at most this many entries…
pub const DOCX_MAX_ENTRIES: usize = 1_000;
/// …which together may expand to at most this many bytes (a real one is a few MB; a "zip
/// bomb" expands to gigabytes from a few KB).
pub const DOCX_MAX_EXPANDED_BYTES: u64 = 100_000_000;

const ALLOWED: &str = "PDF, DOC, DOCX, TXT, JPEG, PNG, BMP or GIF";

impl FileKind {
    /// The content type downloads are served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Doc => "application/msword",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Txt => "text/plain; charset=utf-8",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Bmp => "image/bmp",
            Self::Gif => "image/gif",
        }
    }

    /// The extensions a name of this kind may end in; the first is the usual one.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Doc => &["doc"],
            Self::Docx => &["docx"],
            Self::Txt => &["txt"],
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Png => &["png"],
            Self::Bmp => &["bmp"],
            Self::Gif => &["gif"],
        }
    }

    /// The kind a stored content type stands for.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|kind| kind.content_type() == content_type)
    }

    /// The kind an extension claims, if it is one of ours (`"JPG"` → JPEG).
    pub fn from_extension(extension: &str) -> Option<Self> {
        let extension = extension.to_ascii_lowercase();
        ALL.into_iter()
            .find(|kind| kind.extensions().contains(&extension.as_str()))
    }
}

const ALL: [FileKind; 8] = [
    FileKind::Pdf,
    FileKind::Doc,
    FileKind::Docx,
    FileKind::Txt,
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::Bmp,
    FileKind::Gif,
];

/// Decides what `bytes` are. Cheap checks first; a ZIP or an Office file is opened and looked
/// into (DOCX is also expanded, within [`DOCX_MAX_EXPANDED_BYTES`]), so run this off the async
/// threads.
pub fn detect(bytes: &[u8]) -> Result<FileKind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal("The file is empty.".into()));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(FileKind::Gif);
    }
    if is_bmp(bytes) {
        return Ok(FileKind::Bmp);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return check_doc(bytes).map(|()| FileKind::Doc);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return check_docx(bytes).map(|()| FileKind::Docx);
    }
    let text = std::str::from_utf8(bytes).ok();
    if let Some(text) = text
        && !text.contains('\0')
    {
        return check_text(text).map(|()| FileKind::Txt);
    }
    // Binary after all. Some formats (an MP4's header) are valid UTF-8 apart from their NUL
    // bytes: say what they are when a signature tells.
    if infer::get(bytes).is_some() || text.is_none() {
        return Err(not_allowed(bytes));
    }
    Err(Refusal(
        "This file holds binary data (NUL bytes), so it is not a text file.".into(),
    ))
}

/// The refusal for content of no allowed type, naming what it looks like when we can tell.
fn not_allowed(bytes: &[u8]) -> Refusal {
    let looks_like = match infer::get(bytes) {
        Some(kind) if kind.matcher_type() == infer::MatcherType::App => {
            " It looks like a program.".to_owned()
        }
        Some(kind) => format!(" Its content is {}.", kind.mime_type()),
        None => String::new(),
    };
    Refusal(format!(
        "This type of file cannot be attached; only {ALLOWED} files can.{looks_like}"
    ))
}

/// A Windows bitmap: "BM", the file's own length, and a known header size. "BM" alone would
/// also start many text files.
fn is_bmp(bytes: &[u8]) -> bool {
    let field = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
    };
    bytes.starts_with(b"BM")
        && field(2).is_some_and(|size| usize::try_from(size).is_ok_and(|s| s == bytes.len()))
        && field(14).is_some_and(|header| [12, 40, 52, 56, 64, 108, 124].contains(&header))
}

/// An OLE compound file is a Word document only when it holds a `WordDocument` stream (an
/// Excel or PowerPoint file, or an MSI installer, is the same container).
fn check_doc(bytes: &[u8]) -> Result<(), Refusal> {
    let file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|_| Refusal("This Word file is damaged and cannot be attached.".into()))?;
    if file.is_stream("/WordDocument") {
        Ok(())
    } else {
        Err(Refusal(format!(
            "This is an Office file but not a Word document; only {ALLOWED} files can be attached."
        )))
    }
}

/// A DOCX is a ZIP holding the Word structure. It is expanded (and the bytes thrown away) so
/// that neither many entries nor sizes the archive lies about can hide a zip bomb.
fn check_docx(bytes: &[u8]) -> Result<(), Refusal> {
    let damaged = || Refusal("This Word file is damaged and cannot be attached.".into());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    if archive.len() > DOCX_MAX_ENTRIES {
        return Err(Refusal(format!(
            "This archive holds more than {DOCX_MAX_ENTRIES} files, which no Word document does."
        )));
    }
    let has = |name: &str| archive.index_for_name(name).is_some();
    if !has("[Content_Types].xml") || !has("word/document.xml") {
        return Err(Refusal(format!(
            "This is a ZIP archive, not a Word document; only {ALLOWED} files can be attached."
        )));
    }
    let too_big = || {
        Refusal(format!(
            "This Word file expands to more than {} MB, so it cannot be attached.",
            DOCX_MAX_EXPANDED_BYTES / 1_000_000
        ))
    };
    let mut left = DOCX_MAX_EXPANDED_BYTES;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|_| damaged())?;
        if entry.size() > left {
            return Err(too_big());
        }
        // Read one byte past what is left: the declared size may be a lie.
        let mut limited = entry.take(left + 1);
        let expanded = std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| damaged())?;
        left = left.checked_sub(expanded).ok_or_else(too_big)?;
    }
    Ok(())
}

/// Plain text: valid UTF-8 without NUL bytes (both checked by the caller), and not a web page
/// or other markup that a browser would run if it were ever opened as what it is.
fn check_text(text: &str) -> Result<(), Refusal> {
    let start: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    const MARKUP: [&str; 8] = [
        "<!doctype",
        "<html",
        "<head",
        "<body",
        "<script",
        "<svg",
        "<?xml",
        "<iframe",
    ];
    if MARKUP.iter().any(|tag| start.starts_with(tag)) {
        return Err(Refusal(format!(
            "This is a web page or other markup, not plain text; only {ALLOWED} files can be \
             attached."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            writer.start_file(*name, options).expect("entry");
            writer.write_all(data).expect("data");
        }
        writer.finish().expect("zip").into_inner()
    }

    fn bmp() -> Vec<u8> {
        let mut bytes = b"BM".to_vec();
        bytes.extend(58u32.to_le_bytes());
        bytes.extend([0; 8]);
        bytes.extend(40u32.to_le_bytes());
        bytes.resize(58, 0);
        bytes
    }

    // R-ATT-TYPES
    #[test]
    fn magic_bytes_decide_the_type() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Ok(FileKind::Pdf));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok(FileKind::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0"), Ok(FileKind::Png));
        assert_eq!(detect(b"GIF89a\x01\0"), Ok(FileKind::Gif));
        assert_eq!(detect(&bmp()), Ok(FileKind::Bmp));
        assert_eq!(detect("Grüße\r\nline two".as_bytes()), Ok(FileKind::Txt));
    }

    // R-ATT-TYPES
    #[test]
    fn bm_at_the_start_of_text_is_not_a_bitmap() {
        assert_eq!(detect(b"BMW service notes"), Ok(FileKind::Txt));
    }

    // R-ATT-TYPES
    #[test]
    fn disguised_and_unknown_content_is_refused() {
        for bytes in [
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".as_slice(),
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
            b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom",
            b"plain\0text",
            b"<!DOCTYPE html><script>alert(1)</script>",
            b"  <svg xmlns='http://www.w3.org/2000/svg'/>",
            b"\xff\xfe\xfd not utf-8",
            b"",
        ] {
            assert!(detect(bytes).is_err(), "{bytes:?}");
        }
        let program = detect(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff").expect_err("program");
        assert!(program.0.contains("program"), "{}", program.0);
    }

    // R-ATT-TYPES
    #[test]
    fn a_zip_is_a_docx_only_with_the_word_structure() {
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert_eq!(detect(&docx), Ok(FileKind::Docx));
        let plain = zip_of(&[("notes.txt", b"hello")]);
        assert!(detect(&plain).expect_err("plain zip").0.contains("ZIP"));
    }

    // R-ATT-TYPES
    #[test]
    fn a_docx_that_expands_too_far_is_refused() {
        let zeros = vec![0u8; 60_000_000];
        let bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", &zeros),
            ("word/media/a.bin", &zeros),
        ]);
        assert!(bomb.len() < 1_000_000, "compresses well: {}", bomb.len());
        let refusal = detect(&bomb).expect_err("bomb");
        assert!(refusal.0.contains("expands"), "{}", refusal.0);
    }

    // R-ATT-TYPES
    #[test]
    fn an_ole_file_is_a_doc_only_with_a_word_stream() {
        let ole = |stream: &str| {
            let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
            file.create_stream(stream)
                .expect("stream")
                .write_all(b"data")
                .expect("write");
            file.flush().expect("flush");
            file.into_inner().into_inner()
        };
        assert_eq!(detect(&ole("/WordDocument")), Ok(FileKind::Doc));
        assert!(detect(&ole("/Workbook")).is_err());
    }

    #[test]
    fn extensions_and_content_types_round_trip() {
        for kind in ALL {
            assert_eq!(FileKind::from_content_type(kind.content_type()), Some(kind));
            assert_eq!(FileKind::from_extension(kind.extensions()[0]), Some(kind));
        }
        assert_eq!(FileKind::from_extension("JPEG"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::from_extension("exe"), None);
    }
}
