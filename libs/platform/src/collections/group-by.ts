/**
 * Items grouped by a key, in first-seen order of keys and items: `Map.groupBy`
 * of ES2024, which Node 20 (still in the engines range) does not have. Each
 * item is pushed once: the `[...(map.get(k) ?? []), item]` it replaces copied
 * a group per item, quadratic in a group's size.
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
