import { css } from 'lit';

/** Colours, buttons, badges and focus rings shared by the elements (each has its own shadow root). */
export const shared = css`
  :host {
    --dbw-accent: #2358c9;
    --dbw-accent-dark: #1a449e;
    --dbw-border: #d5dae3;
    --dbw-muted: #5b6473;
    --dbw-surface: #ffffff;
    --dbw-ok: #1b7a3d;
    --dbw-bad: #b3261e;
    --dbw-warn: #8a5a00;
    --dbw-mono: ui-monospace, SFMono-Regular, "Cascadia Mono", Menlo, Consolas, "Liberation Mono", monospace;
    box-sizing: border-box;
  }
  *, *::before, *::after { box-sizing: inherit; }
  [hidden] { display: none !important; }
  button {
    font: inherit; cursor: pointer; border-radius: 6px; padding: 0.4rem 0.85rem;
    border: 1px solid var(--dbw-border); background: var(--dbw-surface); color: inherit;
  }
  button:hover:not(:disabled) { border-color: var(--dbw-accent); }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  button.primary { background: var(--dbw-accent); border-color: var(--dbw-accent); color: #fff; font-weight: 600; }
  button.primary:hover:not(:disabled) { background: var(--dbw-accent-dark); }
  button.link { border: none; background: none; padding: 0 0.2rem; color: var(--dbw-accent); text-decoration: underline; }
  button.small { padding: 0.15rem 0.5rem; font-size: 0.85em; }
  :focus-visible { outline: 3px solid #7aa2f7; outline-offset: 1px; }
  input, textarea, select { font: inherit; color: inherit; }
  .muted { color: var(--dbw-muted); }
  .mono { font-family: var(--dbw-mono); }
  .badge {
    display: inline-block; padding: 0 0.45rem; border-radius: 999px; font-size: 0.8em; font-weight: 600;
    border: 1px solid currentColor; white-space: nowrap; line-height: 1.5;
  }
  .ok { color: var(--dbw-ok); }
  .bad { color: var(--dbw-bad); }
  .warn { color: var(--dbw-warn); }
  .notice {
    border: 1px solid var(--dbw-border); border-left: 4px solid var(--dbw-accent); background: #f7f9ff;
    padding: 0.6rem 0.8rem; border-radius: 6px; margin: 0.5rem 0;
  }
  .notice.bad { border-left-color: var(--dbw-bad); background: #fff6f5; color: inherit; }
  .notice.warn { border-left-color: #d49b00; background: #fffaf0; color: inherit; }
  .visually-hidden {
    position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;
