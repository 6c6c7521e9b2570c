/**
 * The page the component tests load (through Vite's dev server): every element, plus a helper that mounts
 * one with properties. `api: true` gives it a ConsoleApi whose requests the test answers with page.route.
 */
import { ConsoleApi } from '../src/api/client.js';
import { tokenize } from '../src/lib/sql-highlight.js';
import '../src/elements/dbw-app.js';
import '../src/elements/dbw-verdict.js';

export interface Fixture {
  mount(tag: string, props: Record<string, unknown>, withApi?: boolean): Promise<void>;
  events: Array<{ type: string; detail: unknown }>;
  tokenize: typeof tokenize;
}

declare global {
  interface Window {
    dbw: Fixture;
    dbwReady: boolean;
  }
}

const listened = ['dbw-change', 'dbw-select', 'dbw-sign-in', 'dbw-use-sql', 'dbw-history', 'dbw-history-open', 'dbw-cancel', 'dbw-preview-cancel'];

window.dbw = {
  events: [],
  tokenize,
  async mount(tag, props, withApi = false) {
    const el = document.createElement(tag) as HTMLElement & { updateComplete?: Promise<unknown> };
    Object.assign(el, props, withApi ? { api: new ConsoleApi('component-test-token') } : {});
    for (const type of listened) el.addEventListener(type, (e) => window.dbw.events.push({ type, detail: (e as CustomEvent).detail }));
    window.dbw.events = [];
    document.body.replaceChildren(el);
    await el.updateComplete;
  },
};
window.dbwReady = true;
