import type { ComponentChildren } from 'preact';

/**
 * A link to a URL that came from outside (a source URL, a build, a probe): only http(s) URLs
 * become links, anything else (a `javascript:` URL registered by mistake or malice) stays text.
 */
export function ExternalLink({ url, children }: { url: string; children?: ComponentChildren }) {
  const text = children ?? url.replace(/^https?:\/\//i, '');
  if (!/^https?:\/\//i.test(url)) return <span class="mono">{text}</span>;
  return (
    <a href={url} rel="noreferrer noopener" target="_blank">
      {text}
    </a>
  );
}
