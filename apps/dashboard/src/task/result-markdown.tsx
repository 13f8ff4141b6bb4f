import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { safeUrl } from '../views/safe-markdown.js';

/**
 * Untrusted Markdown (model output) made safe: no raw HTML (react-markdown shows it as text; no rehype-raw
 * here), URLs through `safeUrl`, a link whose URL was dropped stays plain text, an image that may not load is
 * its alt text, and links open in a new tab without handing over this page.
 */
const components: Components = {
  a({ href, children }) {
    if (!href) return <span className="md-dropped-link">{children}</span>;
    const external = !href.startsWith('#');
    return (
      <a href={href} {...(external ? { target: '_blank', rel: 'noopener noreferrer nofollow' } : {})}>
        {children}
      </a>
    );
  },
  img({ src, alt }) {
    if (typeof src !== 'string' || src === '')
      return <span className="md-dropped-image">[image: {alt ?? ''}]</span>;
    return <img src={src} alt={alt ?? ''} />;
  },
};

export function ResultMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="markdown">
      <Markdown remarkPlugins={[remarkGfm]} urlTransform={safeUrl} components={components}>
        {markdown}
      </Markdown>
    </div>
  );
}
