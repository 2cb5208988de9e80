import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The delivery ids a receiver has accepted: what makes a replayed delivery detectable. */
export interface DeliveryLog {
  has(id: string): boolean;
  add(id: string): void;
}

/** A log that lasts as long as the process: enough for a receiver that lives for one run. */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly ids = new Set<string>();

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
  }
}

/**
 * A log kept in a file, one id a line (ids come from HTTP headers, which cannot hold a line
 * break), so a restarted receiver still refuses a delivery it already processed. Each add is one
 * short append made before the delivery is acknowledged; a line torn by a crash is no known id.
 */
export class FileDeliveryLog implements DeliveryLog {
  private readonly ids: Set<string>;

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    // The text after the last newline is a line torn by a crash (or nothing): not an id. End it,
    // so the next id gets a line of its own.
    if (lines.pop() !== '') appendFileSync(path, '\n');
    this.ids = new Set(lines.filter((line) => line !== ''));
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    appendFileSync(this.path, `${id}\n`);
    this.ids.add(id);
  }
}
