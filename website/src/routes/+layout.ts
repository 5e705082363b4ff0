// A single-page app: everything renders in the browser.
export const ssr = false;
export const prerender = false;
