import { escapeHtml } from './html.js';

/**
 * MODEL_CARD.md as HTML, safely: every piece of text is escaped first, then a small subset of
 * Markdown becomes markup (headings, paragraphs, "-" lists, pipe tables, **bold** and `code`).
 * Links and raw HTML are shown as text, never followed or run.
 */
export function renderModelCard(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      // The card's own "#" title sits under the page's h2, so levels shift down by two.
      const level = Math.min(6, heading[1]!.length + 2);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
    } else if (/^\s*-\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*-\s+/.test(lines[i]!)) items.push(`<li>${inline(lines[i++]!.replace(/^\s*-\s+/, ''))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (/^\s*\|/.test(line)) {
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) rows.push(cells(lines[i++]!));
      const body = rows.filter((r) => !r.every((cell) => /^:?-{3,}:?$/.test(cell)));
      const [head, ...rest] = body;
      out.push(
        `<table class="ls-table ls-card-table"><thead><tr>${(head ?? []).map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead><tbody>${rest
          .map((r) => `<tr>${r.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,4}\s|\s*-\s|\s*\|)/.test(lines[i]!)) para.push(lines[i++]!);
      out.push(`<p>${inline(para.join(' '))}</p>`);
    }
  }
  return `<article class="ls-model-card">${out.join('')}</article>`;
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((s) => s.trim());
}

/** Escape, then bold and code spans (their contents are already escaped). */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}
