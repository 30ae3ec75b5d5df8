//! The name a person gave their file is display text only: files are stored under a
//! server-made id, so a name like `../../etc/passwd` can never reach a path. It is still
//! cleaned, because it is shown to others and offered back as a download name.

use super::file_types::FileKind;

/// The longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The name to show: the last path segment (`/` or `\`), without control or bidirectional
/// override characters (which can make `exe.pdf` read as `fdp.exe`), trimmed and shortened.
/// Falls back to `attachment` when nothing is left.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name = shorten(trimmed, MAX_NAME_CHARS);
    if name.is_empty() {
        "attachment".into()
    } else {
        name
    }
}

/// The display name with an extension that matches what the file really is, so that a PDF
/// saved from a download opens as a PDF (and a file called `x.exe` is saved as `x.exe.pdf`).
pub fn with_true_extension(name: &str, kind: FileKind) -> String {
    let has_right_extension = name.rsplit_once('.').is_some_and(|(_, ext)| {
        kind.extensions()
            .contains(&ext.to_ascii_lowercase().as_str())
    });
    if has_right_extension {
        name.to_owned()
    } else {
        format!("{name}.{}", kind.extensions()[0])
    }
}

/// When a name's extension is one of the allowed types but not the type of the content (an
/// HTML page called `photo.png`), the file is disguised; that is refused rather than guessed.
pub fn claimed_kind_conflicts(name: &str, kind: FileKind) -> Option<FileKind> {
    let (_, extension) = name.rsplit_once('.')?;
    let claimed = FileKind::from_extension(extension)?;
    (claimed != kind).then_some(claimed)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters, keeping the extension.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() < 10 => {
            let keep = max - ext.chars().count() - 1;
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => name.chars().take(max).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_control_characters_are_stripped() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\ann\\scan.pdf"), "scan.pdf");
        assert_eq!(display_name("a\r\nb\0c.txt"), "abc.txt");
        assert_eq!(display_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(display_name("../"), "attachment");
        assert_eq!(display_name("..."), "attachment");
        assert_eq!(display_name(".hidden.txt"), "hidden.txt");
        assert_eq!(display_name("  notes.txt "), "notes.txt");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "x".repeat(300));
        let short = display_name(&long);
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn downloads_carry_the_extension_of_the_content() {
        assert_eq!(with_true_extension("scan.PDF", FileKind::Pdf), "scan.PDF");
        assert_eq!(
            with_true_extension("photo.jpeg", FileKind::Jpeg),
            "photo.jpeg"
        );
        assert_eq!(
            with_true_extension("setup.exe", FileKind::Pdf),
            "setup.exe.pdf"
        );
        assert_eq!(with_true_extension("notes", FileKind::Txt), "notes.txt");
    }

    // R-ATT-TYPES
    #[test]
    fn an_allowed_extension_that_lies_about_the_content_is_a_conflict() {
        assert_eq!(
            claimed_kind_conflicts("photo.png", FileKind::Txt),
            Some(FileKind::Png)
        );
        assert_eq!(claimed_kind_conflicts("photo.JPG", FileKind::Jpeg), None);
        assert_eq!(claimed_kind_conflicts("notes.md", FileKind::Txt), None);
        assert_eq!(claimed_kind_conflicts("README", FileKind::Txt), None);
    }
}
