/**
 * Summaries and PR comments are HTML-ish Markdown: untrusted text (branch names, resource
 * names, input values) is escaped, `|` too so it cannot split a table cell.
 */
export const escapeHtml = (text: string) => text.replace(/[&<>"'|]/g, (c) => `&#${c.charCodeAt(0)};`);
