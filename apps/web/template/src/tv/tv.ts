// Placeholder: the tvpack branch replaces this file (and tv.css) with the
// TV layout's spatial focus navigation and its back and media keys. The web
// app calls installTV() once at start when built with __LAYOUT__ === "tv".
export function installTV(): void {}
