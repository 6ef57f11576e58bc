import type { EventMetadata } from './types.js';

/** Turns the stored shape `fromVersion` of `type` into shape `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown, metadata: EventMetadata): unknown;
}

/**
 * Old event shapes are upgraded as they are read, one version step at a time,
 * so stored events are never rewritten and handlers see only the current shape.
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, Map<number, Upcaster>>();
  private readonly current = new Map<string, number>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) this.register(u);
  }

  register(upcaster: Upcaster): this {
    const byVersion = this.steps.get(upcaster.type) ?? new Map<number, Upcaster>();
    if (byVersion.has(upcaster.fromVersion)) {
      throw new Error(`Upcaster for ${upcaster.type} v${upcaster.fromVersion} registered twice`);
    }
    byVersion.set(upcaster.fromVersion, upcaster);
    this.steps.set(upcaster.type, byVersion);
    const next = upcaster.fromVersion + 1;
    if (next > (this.current.get(upcaster.type) ?? 1)) this.current.set(upcaster.type, next);
    return this;
  }

  /** The shape version new events of `type` are written with. */
  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast(type: string, version: number, data: unknown, metadata: EventMetadata): { data: unknown; version: number } {
    const byVersion = this.steps.get(type);
    if (!byVersion) return { data, version };
    let v = version;
    let d = data;
    for (let step = byVersion.get(v); step; step = byVersion.get(v)) {
      d = step.upcast(d, metadata);
      v += 1;
    }
    return { data: d, version: v };
  }
}
