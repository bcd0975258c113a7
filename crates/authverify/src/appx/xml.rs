//! The XML parts a package's verification reads — the block map, the manifest's identity,
//! a bundle's manifest — walked element by element with `quick-xml`. Bounded: the text is
//! at most [`super::limits::MAX_XML_BYTES`], elements nest at most [`MAX_XML_DEPTH`] deep,
//! and a document type declaration is refused outright, so no entity is ever defined or
//! expanded (attribute values resolve only XML's predefined and numeric references).

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::AppxError;

/// Deepest element nesting read (the block map nests 3 deep, manifests about 6).
pub(crate) const MAX_XML_DEPTH: usize = 64;

/// One element's local name and attributes (local names, values unescaped).
pub(crate) struct Element {
    pub(crate) depth: usize,
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
}

impl Element {
    /// The attribute `name`'s value.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The part's text: UTF-8, a byte order mark removed.
pub(crate) fn text<'t>(part: &'static str, bytes: &'t [u8]) -> Result<&'t str, AppxError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| AppxError::xml(part, format!("not UTF-8: {e}")))
}

fn element(part: &'static str, e: &BytesStart<'_>, depth: usize) -> Result<Element, AppxError> {
    let mut attributes = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| AppxError::xml(part, err))?;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| AppxError::xml(part, err))?;
        attributes.push((a.key.local_name().as_ref().to_string(), value.into_owned()));
    }
    Ok(Element {
        depth,
        name: e.local_name().as_ref().to_string(),
        attributes,
    })
}

/// Calls `visit` with every element of `text` in document order (depth 0 is the root).
pub(crate) fn walk(
    part: &'static str,
    text: &str,
    visit: &mut dyn FnMut(&Element) -> Result<(), AppxError>,
) -> Result<(), AppxError> {
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| AppxError::xml(part, e))?;
        match event {
            Event::Start(_) | Event::Empty(_) if depth >= MAX_XML_DEPTH => {
                return Err(AppxError::xml(
                    part,
                    format!("elements nest deeper than {MAX_XML_DEPTH}"),
                ));
            }
            Event::Start(e) => {
                roots = roots.saturating_add(usize::from(depth == 0));
                visit(&element(part, &e, depth)?)?;
                depth = depth.saturating_add(1);
            }
            Event::Empty(e) => {
                roots = roots.saturating_add(usize::from(depth == 0));
                visit(&element(part, &e, depth)?)?;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::DocType(_) => return Err(AppxError::xml(part, "a document type declaration")),
            Event::Eof => break,
            _ => {}
        }
    }
    if roots != 1 || depth != 0 {
        return Err(AppxError::xml(part, "not one well-formed root element"));
    }
    Ok(())
}

/// The `Publisher` of the first `Identity` element directly under the root (a manifest's
/// `Package/Identity` or a bundle manifest's `Bundle/Identity`).
pub(crate) fn identity_publisher(part: &'static str, text: &str) -> Result<String, AppxError> {
    let mut publisher = None;
    walk(part, text, &mut |e| {
        if e.depth == 1 && e.name == "Identity" && publisher.is_none() {
            publisher = Some(e.attribute("Publisher").unwrap_or_default().to_string());
        }
        Ok(())
    })?;
    publisher.ok_or_else(|| AppxError::xml(part, "no Identity element with a Publisher"))
}

/// A bundle manifest's packages: `Packages/Package` elements' `FileName`, `Offset`, `Size`.
pub(crate) fn bundle_packages(text: &str) -> Result<Vec<(String, u64, u64)>, AppxError> {
    const PART: &str = "AppxMetadata/AppxBundleManifest.xml";
    let mut out = Vec::new();
    walk(PART, text, &mut |e| {
        if e.depth == 2 && e.name == "Package" {
            let number = |k: &str| {
                e.attribute(k)
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| AppxError::xml(PART, format!("Package without a numeric {k}")))
            };
            let name = e
                .attribute("FileName")
                .ok_or_else(|| AppxError::xml(PART, "Package without a FileName"))?;
            out.push((name.to_string(), number("Offset")?, number("Size")?));
        }
        Ok(())
    })?;
    Ok(out)
}
