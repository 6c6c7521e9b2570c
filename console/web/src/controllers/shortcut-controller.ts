import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Shortcuts = Partial<Record<'run' | 'cancel', () => void>>;

/**
 * Keyboard shortcuts on an element: Ctrl+Enter (⌘+Enter on a Mac) runs, Escape cancels. Listens on the
 * host, so the shortcuts work wherever focus is inside it (text areas included).
 */
export class ShortcutController implements ReactiveController {
  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && this.shortcuts.run) {
      e.preventDefault();
      this.shortcuts.run();
    } else if (e.key === 'Escape' && this.shortcuts.cancel) {
      this.shortcuts.cancel();
    }
  };

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, private readonly shortcuts: Shortcuts) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('keydown', this.onKey);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('keydown', this.onKey);
  }
}
