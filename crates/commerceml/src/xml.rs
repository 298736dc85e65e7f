//! A CommerceML file read as a stream of records: the elements the caller
//! names by their path (`Каталог/Товары/Товар`) come out one at a time as
//! small trees, everything between them is read past. Memory holds one
//! record, whatever the file's size.
//!
//! Hostile input is refused, not survived: a DOCTYPE (1C never writes one,
//! and it is where entity expansion lives), an entity other than XML's
//! five and character references, a record deeper, longer or with more
//! children than any 1C writes.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};

use crate::Error;

/// What a record may hold at most; far beyond what 1C writes.
const MAX_DEPTH: usize = 64;
const MAX_TEXT_BYTES: usize = 1 << 20;
const MAX_NODES_PER_RECORD: usize = 100_000;

/// An element of a record: its name, attributes, text and children, as
/// UTF-8 whatever the file's encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The node at `path` below this one (`Группы/Ид`).
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('/').try_fold(self, |node, step| node.child(step))
    }

    /// The trimmed text at `path`; `None` when absent or blank.
    pub fn text_at(&self, path: &str) -> Option<String> {
        self.at(path).map(|n| n.text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the caller wants of an element at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Read past it.
    Nothing,
    /// Its start tag alone (`Каталог СодержитТолькоИзменения="true"`), as
    /// it opens; what it holds is read on.
    Head,
    /// The element and everything in it, as it closes.
    Record,
}

/// The root element's attributes and each record as it comes.
#[derive(Debug)]
pub enum Item {
    /// `КоммерческаяИнформация` and its attributes (`ВерсияСхемы`,
    /// `ДатаФормирования`).
    Root(Node),
    /// The start tag of an element wanted as [`Want::Head`], with its path.
    Head { path: String, node: Node },
    /// An element wanted as [`Want::Record`], whole, with its path.
    Record { path: String, node: Node },
}

/// Reads `input` (UTF-8 or the encoding its declaration names, such as
/// windows-1251), yielding every element whose path `wanted` accepts.
pub struct Records<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    path: Vec<String>,
    /// The record being built: its path and the open elements, outermost
    /// first.
    open: Vec<Node>,
    record_path: String,
    nodes: usize,
    wanted: fn(&str) -> Want,
    done: bool,
}

impl<R: BufRead> std::fmt::Debug for Records<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("path", &self.path)
            .field("record", &self.record_path)
            .finish_non_exhaustive()
    }
}

pub fn records<R: BufRead>(input: R, wanted: fn(&str) -> Want) -> Records<R> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;
    Records {
        reader,
        buf: Vec::new(),
        path: Vec::new(),
        open: Vec::new(),
        record_path: String::new(),
        nodes: 0,
        wanted,
        done: false,
    }
}

fn decode(decoder: Decoder, bytes: &[u8]) -> Result<String, Error> {
    decoder.decode(bytes).map(std::borrow::Cow::into_owned).map_err(|e| Error::xml(&e))
}

/// Appends `text` to the innermost open element of a record.
fn push_text(open: &mut [Node], text: &str) -> Result<(), Error> {
    if let Some(node) = open.last_mut() {
        if node.text.len() + text.len() > MAX_TEXT_BYTES {
            return Err(Error::TooLarge(format!("the text of {} is over {MAX_TEXT_BYTES} bytes", node.name)));
        }
        node.text.push_str(text);
    }
    Ok(())
}

fn node(e: &BytesStart<'_>, decoder: Decoder) -> Result<Node, Error> {
    let name = decode(decoder, e.name().as_ref())?;
    let mut attributes = Vec::new();
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| Error::xml(&e))?;
        let key = decode(decoder, attribute.key.as_ref())?;
        let value = attribute.decode_and_unescape_value(decoder).map_err(|e| Error::xml(&e))?.into_owned();
        attributes.push((key, value));
    }
    Ok(Node { name, attributes, ..Node::default() })
}

impl<R: BufRead> Records<R> {
    fn start(&mut self, node: Node) -> Result<Option<Item>, Error> {
        self.path.push(node.name.clone());
        if self.path.len() > MAX_DEPTH {
            return Err(Error::TooLarge(format!("elements nested over {MAX_DEPTH} deep")));
        }
        if self.path.len() == 1 {
            return Ok(Some(Item::Root(node)));
        }
        if self.open.is_empty() {
            // Below the root, outside any record: is this one?
            let path = self.path[1..].join("/");
            match (self.wanted)(&path) {
                Want::Nothing => {}
                Want::Head => return Ok(Some(Item::Head { path, node })),
                Want::Record => {
                    self.record_path = path;
                    self.nodes = 1;
                    self.open.push(node);
                }
            }
            return Ok(None);
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES_PER_RECORD {
            return Err(Error::TooLarge(format!(
                "a {} of over {MAX_NODES_PER_RECORD} elements",
                self.record_path
            )));
        }
        self.open.push(node);
        Ok(None)
    }

    fn end(&mut self) -> Option<Item> {
        self.path.pop();
        let node = self.open.pop()?;
        match self.open.last_mut() {
            Some(parent) => {
                parent.children.push(node);
                None
            }
            None => Some(Item::Record { path: std::mem::take(&mut self.record_path), node }),
        }
    }

    fn step(&mut self) -> Result<Option<Item>, Error> {
        self.buf.clear();
        let decoder = self.reader.decoder();
        match self.reader.read_event_into(&mut self.buf).map_err(|e| Error::xml(&e))? {
            Event::Eof => {
                self.done = true;
                if !self.path.is_empty() {
                    return Err(Error::Xml("the file ends inside an element".into()));
                }
                Ok(None)
            }
            Event::DocType(_) => {
                Err(Error::Hostile("a DOCTYPE (1C never sends one; entities live there)".into()))
            }
            Event::Start(e) => {
                let node = node(&e, decoder)?;
                self.start(node)
            }
            Event::End(_) => Ok(self.end()),
            Event::Text(t) => {
                if !self.open.is_empty() {
                    let text = t.decode().map_err(|e| Error::xml(&e))?;
                    push_text(&mut self.open, &text)?;
                }
                Ok(None)
            }
            Event::CData(t) => {
                if !self.open.is_empty() {
                    let text = t.decode().map_err(|e| Error::xml(&e))?;
                    push_text(&mut self.open, &text)?;
                }
                Ok(None)
            }
            Event::GeneralRef(r) => {
                let name = decode(decoder, &r)?;
                let resolved = match name.as_str() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => {
                            return Err(Error::Hostile(format!(
                                "the entity &{name}; (only XML's own are read)"
                            )));
                        }
                    },
                };
                if !self.open.is_empty() {
                    push_text(&mut self.open, resolved.encode_utf8(&mut [0; 4]))?;
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = Result<Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.step() {
                Ok(Some(item)) => return Some(Ok(item)),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(path: &str) -> Want {
        match path {
            "Каталог/Товары/Товар" => Want::Record,
            "Каталог" => Want::Head,
            _ => Want::Nothing,
        }
    }

    #[test]
    fn records_come_one_by_one_with_their_subtrees() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <Каталог><Ид>c1</Ид><Товары>
    <Товар><Ид>p1</Ид><Наименование>Молоко &amp; сливки &#8470;1</Наименование></Товар>
    <Товар><Ид>p2</Ид><Группы><Ид>g1</Ид></Группы><Наименование><![CDATA[Сыр <твёрдый>]]></Наименование></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>"#;
        let items: Vec<Item> = records(xml.as_bytes(), wanted).collect::<Result<_, _>>().unwrap();
        assert!(matches!(&items[0], Item::Root(root) if root.attribute("ВерсияСхемы") == Some("2.10")));
        assert!(matches!(&items[1], Item::Head { path, .. } if path == "Каталог"));
        let names: Vec<String> = items[2..]
            .iter()
            .map(|i| match i {
                Item::Record { node, .. } => node.text_at("Наименование").unwrap(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(names, ["Молоко & сливки №1", "Сыр <твёрдый>"]);
        let Item::Record { node, path } = &items[3] else { unreachable!() };
        assert_eq!(
            (path.as_str(), node.text_at("Группы/Ид").as_deref()),
            ("Каталог/Товары/Товар", Some("g1"))
        );
    }

    #[test]
    fn hostile_and_broken_files_are_refused_with_the_reason() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>&lol2;</Ид></Товар></Товары></Каталог></КоммерческаяИнформация>"#;
        let unknown = "<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>&ext;</Ид></Товар></Товары></Каталог></КоммерческаяИнформация>";
        let cut = "<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>p1</Ид>";
        let deep = format!("<К>{}{}</К>", "<a>".repeat(100), "</a>".repeat(100));
        for (xml, expected) in
            [(laughs, "DOCTYPE"), (unknown, "&ext;"), (cut, "ends inside"), (deep.as_str(), "deep")]
        {
            let error = records(xml.as_bytes(), wanted).find_map(Result::err).expect(expected);
            assert!(error.to_string().contains(expected), "{expected}: {error}");
        }
    }
}
