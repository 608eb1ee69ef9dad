import type { WebRole } from '../../store/index.js';
import { html, raw, type Html } from './html.js';

export interface NavItem {
  href: string;
  label: string;
}

/** The app's sections, in the order of the nav bar; a later page (e.g. /app/models) adds itself with `extraNav`. */
export const NAV: NavItem[] = [
  { href: '/app/tiers', label: 'Tiers' },
  { href: '/app/routing', label: 'Routing' },
  { href: '/app/leads', label: 'Lead lookup' },
  { href: '/app/connections', label: 'Connections' },
  { href: '/app/mappings', label: 'Field mappings' },
  { href: '/app/activities', label: 'Activity mapping' },
  { href: '/app/schedules', label: 'Schedules' },
  { href: '/app/api-keys', label: 'API keys' },
  { href: '/app/dead-letters', label: 'Dead letters' },
  { href: '/app/audit', label: 'Audit log' },
  { href: '/app/users', label: 'Users' },
  { href: '/app/models', label: 'Models' },
];

export interface LayoutModel {
  title: string;
  /** Path of the current section, to mark it in the nav. */
  active?: string;
  /** The signed-in person; null on the sign-in page (no nav). */
  user: { displayName: string; role: WebRole; tenant: string } | null;
  /** The session's CSRF token, for the sign-out form. */
  csrfToken?: string;
  /** A notice above the page body. */
  flash?: { kind: 'ok' | 'error' | 'info'; text: string } | null;
  /** Scripts from /app/assets (never inline: the Content-Security-Policy forbids it). */
  scripts?: string[];
  /** Stylesheets besides app.css, as paths under /app. */
  styles?: string[];
  /** More sections, e.g. { href: '/app/models', label: 'Models' } mounted by another module. */
  extraNav?: NavItem[];
  body: Html | string;
}

/** The page shell every screen uses: header with nav and the signed-in person, then the body. */
export function layout(model: LayoutModel): string {
  const nav = [...NAV, ...(model.extraNav ?? [])];
  const header = model.user
    ? html`<header class="top">
  <a class="brand" href="/app">Leadscore</a>
  <nav aria-label="Sections"><ul>${nav.map(
    (item) => html`<li><a href="${item.href}"${raw(model.active === item.href ? ' aria-current="page"' : '')}>${item.label}</a></li>`,
  )}</ul></nav>
  <div class="who"><span>${model.user.displayName}</span> <span class="role role-${model.user.role}">${model.user.role}</span> <span class="tenant">${model.user.tenant}</span>
    <form method="post" action="/app/sign-out" class="inline"><input type="hidden" name="_csrf" value="${model.csrfToken ?? ''}"><button type="submit" class="link">Sign out</button></form>
  </div>
</header>`
    : html`<header class="top"><span class="brand">Leadscore</span></header>`;
  const flash = model.flash ? html`<p class="flash flash-${model.flash.kind}" role="${model.flash.kind === 'error' ? 'alert' : 'status'}">${model.flash.text}</p>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${model.title} · Leadscore</title>
<link rel="stylesheet" href="/app/assets/app.css">
${(model.styles ?? []).map((s) => html`<link rel="stylesheet" href="/app/${s}">`)}
${(model.scripts ?? []).map((s) => html`<script src="/app/assets/${s}" defer></script>`)}
</head>
<body>
${header}
<main>
<h1>${model.title}</h1>
${flash}
${typeof model.body === 'string' ? raw(model.body) : model.body}
</main>
</body>
</html>`.text;
}
