/**
 * Namespace-aware streaming XML for members' files (GPX, TCX, Apple Health), on saxes. Elements are known by
 * their namespace URI and local name, never by prefix: exporters bind the same namespace to `gpxtpx:`, `ns3:`
 * or the default. saxes expands no external entities and defines none from a DTD, so a hostile file cannot
 * read local files or blow up by entity expansion. A file that is not well formed fails with its line and
 * column (PL_FILE_CORRUPT).
 */
import { StringDecoder } from 'node:string_decoder'
import { SaxesParser, type SaxesTagNS } from 'saxes'
import { corruptFile } from '../file-error.js'

export interface XmlElement {
  uri: string
  local: string
  attribute(local: string): string | undefined
}

export interface XmlHandlers {
  open?(element: XmlElement, depth: number): void
  /** An element closes, with the text directly inside it (trimmed). */
  close?(element: XmlElement, text: string, depth: number): void
}

/** `afterChunk` runs between the chunks of a stream: the place to write out what the handlers gathered (backpressure). */
export async function readXml(source: string | AsyncIterable<string | Buffer>, file: string, handlers: XmlHandlers, afterChunk?: () => Promise<void>): Promise<void> {
  const parser = new SaxesParser({ xmlns: true, position: true })
  const stack: Array<{ element: XmlElement; text: string }> = []
  let failure: Error | undefined
  parser.on('error', (err) => {
    failure ??= corruptFile(file, `line ${parser.line}, column ${parser.column}`, `not well-formed XML: ${err.message.replace(/^(.*?:)?\d+:\d+: /, '')}`)
  })
  parser.on('opentag', (tag) => {
    const element = new Element(tag as SaxesTagNS)
    stack.push({ element, text: '' })
    handlers.open?.(element, stack.length)
  })
  parser.on('text', (text) => {
    const top = stack.at(-1)
    if (top && top.text.length < 4096) top.text += text // element text in these formats is short; bound it
  })
  parser.on('cdata', (text) => {
    const top = stack.at(-1)
    if (top && top.text.length < 4096) top.text += text
  })
  parser.on('closetag', () => {
    const top = stack.pop()
    if (top) handlers.close?.(top.element, top.text.trim(), stack.length + 1)
  })
  const feed = (chunk: string) => {
    parser.write(chunk)
    if (failure) throw failure
  }
  if (typeof source === 'string') feed(source)
  else {
    const utf8 = new StringDecoder('utf8') // a chunk may end inside a character
    for await (const chunk of source) {
      feed(typeof chunk === 'string' ? chunk : utf8.write(chunk))
      await afterChunk?.()
    }
    feed(utf8.end())
  }
  parser.close()
  if (failure) throw failure
}

/** A saxes tag seen through XmlElement; one small object per element, its method on the prototype. */
class Element implements XmlElement {
  constructor(private readonly tag: SaxesTagNS) {}

  get uri(): string {
    return this.tag.uri
  }

  get local(): string {
    return this.tag.local
  }

  /** An unprefixed attribute: in XML namespaces those are in no namespace, whatever the element's. */
  attribute(local: string): string | undefined {
    const a = this.tag.attributes[local]
    return a !== undefined && a.prefix === '' ? a.value : undefined
  }
}
