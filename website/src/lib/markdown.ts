/**
 * A deliberately small Markdown renderer for summaries: paragraphs, inline
 * code, bold, italics and bullet lists. Everything is HTML-escaped first, so
 * the output is safe to insert.
 */

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One line of Markdown as safe inline HTML: code, bold and italics (escaped first). */
export function inline(text: string): string {
	return escapeHtml(text)
		.replace(/`([^`]+)`/g, '<code>$1</code>')
		.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
		.replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
}

export function renderMarkdown(text: string): string {
	return text
		.trim()
		.split(/\n\s*\n/)
		.map((block) => {
			const lines = block.split('\n');
			if (lines.every((l) => /^\s*[-*] /.test(l))) {
				return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*] /, ''))}</li>`).join('')}</ul>`;
			}
			return `<p>${inline(lines.join(' '))}</p>`;
		})
		.join('');
}
