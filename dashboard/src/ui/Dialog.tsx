import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog on the native <dialog>: the rest of the page is inert while it is open (focus
 * stays inside), Escape closes it, and focus goes back to what opened it, unless `focusAfter`
 * names another place when it closes (what opened it may be gone by then).
 */
export function Dialog({
  title,
  onClose,
  focusAfter,
  children,
}: {
  title: string;
  onClose(): void;
  focusAfter?: () => HTMLElement | null;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current!;
    dialog.showModal();
    const first = dialog.querySelector<HTMLElement>('[autofocus], textarea, input, select, button');
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      (focusAfter?.() ?? opener)?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="dialog-title">{title}</h2>
      {children}
    </dialog>
  );
}
