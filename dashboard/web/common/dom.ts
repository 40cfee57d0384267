/** Small DOM helpers: the pages are plain DOM, no framework (a class board is a grid of 60 boxes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  node.append(...children)
  return node
}

export const $ = <T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T => root.querySelector(selector) as T

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function param(name: string): string | null {
  return new URLSearchParams(location.search).get(name)
}
