import type { StageStatus } from '../shared/state/run-store.ts';

export interface GraphNode {
  id: string;
  needs: string[];
}

/** Checks that every need names a known stage and that there is no cycle; returns a topological order. */
export function orderStages(nodes: GraphNode[]): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const node of nodes) {
    for (const need of node.needs) if (!byId.has(need)) throw new Error(`stage ${node.id} needs unknown stage ${need}`);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`stage cycle: ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const need of byId.get(id)!.needs) visit(need, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const node of nodes) visit(node.id, []);
  return order;
}

export type NextStep =
  { kind: 'start'; ids: string[] } | { kind: 'skip'; id: string; because: string } | { kind: 'wait' } | { kind: 'done' };

/**
 * The pure scheduling decision: given every stage's status, which stages can start now, which
 * must be skipped because a need failed, or whether the graph is finished.
 */
export function nextStep(nodes: GraphNode[], status: Map<string, StageStatus>): NextStep {
  const pending = nodes.filter((node) => (status.get(node.id) ?? 'pending') === 'pending');
  for (const node of pending) {
    const broken = node.needs.find((need) => ['failed', 'skipped'].includes(status.get(need) ?? 'pending'));
    if (broken) return { kind: 'skip', id: node.id, because: broken };
  }
  const ready = pending.filter((node) => node.needs.every((need) => status.get(need) === 'succeeded')).map((node) => node.id);
  if (ready.length) return { kind: 'start', ids: ready };
  const running = nodes.some((node) => status.get(node.id) === 'running');
  return running ? { kind: 'wait' } : { kind: 'done' };
}
