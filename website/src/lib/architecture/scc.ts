/**
 * Strongly connected components (Tarjan's algorithm, iterative so that a
 * long dependency chain cannot overflow the call stack).
 */

export interface Components {
	/** Per node: the index of its component. */
	of: Int32Array;
	/**
	 * Members of each component, ascending. Components come in Tarjan's
	 * order: every component is listed after all the components it reaches
	 * (dependencies first), so this order is a reverse topological order of
	 * the condensation.
	 */
	members: number[][];
}

/** The strongly connected components of a directed graph given as adjacency lists. */
export function stronglyConnected(adjacency: readonly (readonly number[])[]): Components {
	const n = adjacency.length;
	const index = new Int32Array(n).fill(-1);
	const low = new Int32Array(n);
	const onStack = new Uint8Array(n);
	const of = new Int32Array(n).fill(-1);
	const stack: number[] = [];
	const members: number[][] = [];
	// The call stack of the recursive formulation: node and next edge to look at.
	const callNode: number[] = [];
	const callEdge: number[] = [];
	let counter = 0;

	for (let root = 0; root < n; root++) {
		if (index[root] >= 0) continue;
		callNode.push(root);
		callEdge.push(0);
		index[root] = low[root] = counter++;
		stack.push(root);
		onStack[root] = 1;
		while (callNode.length) {
			const top = callNode.length - 1;
			const v = callNode[top];
			const edges = adjacency[v];
			if (callEdge[top] < edges.length) {
				const w = edges[callEdge[top]++];
				if (index[w] < 0) {
					index[w] = low[w] = counter++;
					stack.push(w);
					onStack[w] = 1;
					callNode.push(w);
					callEdge.push(0);
				} else if (onStack[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			// Every edge of v seen: v closes a component if it is its root.
			if (low[v] === index[v]) {
				const component: number[] = [];
				let w: number;
				do {
					w = stack.pop()!;
					onStack[w] = 0;
					of[w] = members.length;
					component.push(w);
				} while (w !== v);
				component.sort((a, b) => a - b);
				members.push(component);
			}
			callNode.pop();
			callEdge.pop();
			if (callNode.length) {
				const parent = callNode[callNode.length - 1];
				if (low[v] < low[parent]) low[parent] = low[v];
			}
		}
	}
	return { of, members };
}
