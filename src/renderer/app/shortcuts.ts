/** Keyboard shortcuts of the workbench: one table, used by the key handler and the `?` help overlay. */

export type ShortcutAction = 'help' | 'new-run' | 'runs' | 'datasets' | 'search' | 'compare' | 'theme';

export interface Shortcut {
  /** As shown in the help overlay. */
  keys: string;
  description: string;
  /** Null: handled elsewhere (listed for completeness). */
  action: ShortcutAction | null;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'n', description: 'New run', action: 'new-run' },
  { keys: 'r', description: 'Runs table', action: 'runs' },
  { keys: 'd', description: 'Datasets', action: 'datasets' },
  { keys: '/', description: 'Focus the search box of the page', action: 'search' },
  { keys: 'c', description: 'Compare the runs ticked in the runs table', action: 'compare' },
  { keys: 't', description: 'Switch between light and dark theme', action: 'theme' },
  { keys: '?', description: 'Show this list', action: 'help' },
  { keys: 'Esc', description: 'Close a dialog; clear and leave a search box', action: null },
];

const BY_KEY: Record<string, ShortcutAction> = { n: 'new-run', r: 'runs', d: 'datasets', '/': 'search', c: 'compare', t: 'theme', '?': 'help' };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The key went to a text field, select, or editable element: typing, not a shortcut. */
  editable: boolean;
  /** A modal dialog is open: only its own keys apply. */
  dialogOpen: boolean;
}

/** The action a key press triggers, or null. Shift is allowed (it makes `?` on most layouts). */
export function shortcutFor(e: KeyLike): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.editable || e.dialogOpen) return null;
  return BY_KEY[e.key] ?? null;
}

/** Whether keys typed with this element focused are text input. */
export function isEditableElement(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
  }
  return (el as HTMLElement).isContentEditable === true;
}
