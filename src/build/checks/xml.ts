/**
 * A tolerant XML reader for test reports: elements, attributes, text, CDATA and entities.
 * Reporters are lax (node leaves `>` unescaped), so it scans rather than validates.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside the element, entities decoded. */
  text: string;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[lower] ?? whole;
  });
}

/** Parses a document; returns a synthetic root whose children are the top-level elements. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let at = 0;
  while (at < xml.length) {
    const open = xml.indexOf('<', at);
    const current = stack[stack.length - 1];
    if (open === -1) {
      current.text += decodeEntities(xml.slice(at));
      break;
    }
    current.text += decodeEntities(xml.slice(at, open));
    if (xml.startsWith('<!--', open)) {
      at = skipPast(xml, open, '-->');
    } else if (xml.startsWith('<![CDATA[', open)) {
      const end = xml.indexOf(']]>', open);
      current.text += xml.slice(open + 9, end === -1 ? xml.length : end);
      at = end === -1 ? xml.length : end + 3;
    } else if (xml.startsWith('<?', open) || xml.startsWith('<!', open)) {
      at = skipPast(xml, open, '>');
    } else if (xml.startsWith('</', open)) {
      const end = skipPast(xml, open, '>');
      const name = xml.slice(open + 2, end - 1).trim();
      // Close up to the matching element; a stray end tag is ignored.
      const index = stack.map((element) => element.name).lastIndexOf(name);
      if (index > 0) stack.length = index;
      at = end;
    } else {
      const tag = readStartTag(xml, open);
      current.children.push(tag.element);
      if (!tag.selfClosing) stack.push(tag.element);
      at = tag.end;
    }
  }
  return root;
}

function skipPast(xml: string, from: number, terminator: string): number {
  const end = xml.indexOf(terminator, from);
  return end === -1 ? xml.length : end + terminator.length;
}

function readStartTag(xml: string, open: number): { element: XmlElement; selfClosing: boolean; end: number } {
  let at = open + 1;
  const nameMatch = /^[^\s/>]+/.exec(xml.slice(at, at + 200));
  const element: XmlElement = { name: nameMatch?.[0] ?? '', attributes: {}, children: [], text: '' };
  at += element.name.length;
  const attribute = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?>)|\s*([^\s=/>]+)/y;
  while (at < xml.length) {
    attribute.lastIndex = at;
    const match = attribute.exec(xml);
    if (!match) return { element, selfClosing: false, end: skipPast(xml, at, '>') };
    at = attribute.lastIndex;
    if (match[5]) return { element, selfClosing: match[5] === '/>', end: at };
    if (match[1]) element.attributes[match[1]] = decodeEntities(match[3] ?? match[4] ?? '');
  }
  return { element, selfClosing: false, end: xml.length };
}
