/** Elements built from attributes and text nodes only: stored prompts are untrusted, so no markup is ever parsed from data. */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  element.append(...children.filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return element;
}

/** A hash link inside the page. */
export function link(hash: string, text: Child, attributes: Record<string, string | undefined> = {}): HTMLAnchorElement {
  return h('a', { href: hash, ...attributes }, text);
}

/** Replaces `parent`'s children, keeping keyboard focus on the element with the same `data-key` if there was one. */
export function replaceKeepingFocus(parent: HTMLElement, ...children: Node[]): void {
  const focused =
    document.activeElement instanceof HTMLElement && parent.contains(document.activeElement)
      ? document.activeElement.dataset.key
      : undefined;
  parent.replaceChildren(...children);
  if (focused !== undefined) parent.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}
