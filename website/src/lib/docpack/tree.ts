/** The file tree of a docpack: directories → files, with symbol counts. */

export interface TreeFile {
	kind: 'file';
	name: string;
	path: string;
	language: string;
	symbols: number;
}

export interface TreeDir {
	kind: 'dir';
	name: string;
	/** '' for the root. */
	path: string;
	children: (TreeDir | TreeFile)[];
	files: number;
	symbols: number;
}

export type TreeNode = TreeDir | TreeFile;

/** Builds the tree; directories first, then files, each by name. */
export function buildTree(files: { path: string; language: string }[], symbolsPerFile: Map<string, number>): TreeDir {
	const root: TreeDir = { kind: 'dir', name: '', path: '', children: [], files: 0, symbols: 0 };
	for (const file of files) {
		const parts = file.path.split('/');
		let dir = root;
		const symbols = symbolsPerFile.get(file.path) ?? 0;
		dir.files++;
		dir.symbols += symbols;
		for (let i = 0; i < parts.length - 1; i++) {
			const path = parts.slice(0, i + 1).join('/');
			let next = dir.children.find((c): c is TreeDir => c.kind === 'dir' && c.name === parts[i]);
			if (!next) {
				next = { kind: 'dir', name: parts[i], path, children: [], files: 0, symbols: 0 };
				dir.children.push(next);
			}
			dir = next;
			dir.files++;
			dir.symbols += symbols;
		}
		dir.children.push({ kind: 'file', name: parts[parts.length - 1], path: file.path, language: file.language, symbols });
	}
	sortTree(root);
	return root;
}

function sortTree(dir: TreeDir): void {
	dir.children.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
	for (const child of dir.children) if (child.kind === 'dir') sortTree(child);
}

export interface VisibleRow {
	node: TreeNode;
	depth: number;
	parent: string | null;
}

/** The rows shown for a set of expanded directory paths, in display order. */
export function visibleRows(root: TreeDir, expanded: Set<string>): VisibleRow[] {
	const rows: VisibleRow[] = [];
	const walk = (dir: TreeDir, depth: number) => {
		for (const child of dir.children) {
			rows.push({ node: child, depth, parent: dir.path || null });
			if (child.kind === 'dir' && expanded.has(child.path)) walk(child, depth + 1);
		}
	};
	walk(root, 0);
	return rows;
}
