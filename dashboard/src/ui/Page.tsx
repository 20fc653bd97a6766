import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A page with its heading. The heading takes focus when the page opens, so keyboard and screen
 * reader users start at the new content after following a link.
 */
export function Page({ title, kicker, actions, children }: { title: ComponentChildren; kicker?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus({ preventScroll: true }), []);
  useEffect(() => {
    const text = heading.current?.textContent;
    document.title = text ? `${text} · DeployDB` : 'DeployDB';
  });
  return (
    <>
      <header class="page-head">
        <div>
          {kicker ? <p class="kicker">{kicker}</p> : null}
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
        </div>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </header>
      {children}
    </>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="section" aria-labelledby={id ? `${id}-title` : undefined}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}
