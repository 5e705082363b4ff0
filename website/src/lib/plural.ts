/**
 * Counted nouns: `1 author`, `2 authors`, `1,204 commits` (en-US digits).
 * The plural is the singular with an `s` unless given.
 */
export function plural(n: number, one: string, many = `${one}s`): string {
	return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
