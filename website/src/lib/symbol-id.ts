/** Whether a string has the form of a docpack symbol id (`sym_` and 16 hex digits): only such ids are asked about. */
export function isSymbolId(id: string | null | undefined): id is string {
	return typeof id === 'string' && /^sym_[0-9a-f]{16}$/.test(id);
}
