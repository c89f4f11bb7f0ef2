/// The one stylesheet of Gatehouse's pages, inline (no request for it, nothing to route): a centred card on a
/// quiet background, light and dark through `prefers-color-scheme`, one accent colour shared by links and
/// buttons, a focus ring on everything that takes focus, and a layout that fits a 320 px phone.
/// Built once per config; `HTMLPage` puts it in the page and its hash in the Content-Security-Policy.
enum PageStyle {
    static func css(accent: AccentColor) -> String {
        let dark = accent.forDarkCard
        return ":root{color-scheme:light dark;--bg:#f3f4f6;--card:#ffffff;--text:#111827;--muted:#4b5563;--line:#e5e7eb;"
            + "--accent:\(accent.hex);--on-accent:\(accent.buttonText.hex)}"
            + "@media (prefers-color-scheme:dark){:root{--bg:#111318;--card:\(AccentColor.darkCard.hex);--text:#f3f4f6;--muted:#b4bac5;"
            + "--line:#343a46;--accent:\(dark.hex);--on-accent:\(dark.buttonText.hex)}}"
            + "*{box-sizing:border-box}"
            + "body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;"
            + "padding:1.5rem 1rem;background:var(--bg);color:var(--text);"
            + "font:1rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\",sans-serif;"
            + "-webkit-text-size-adjust:100%;text-size-adjust:100%}"
            + "main{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:.75rem;"
            + "padding:2rem 1.75rem;box-shadow:0 1px 2px rgba(0,0,0,.06),0 8px 28px rgba(0,0,0,.08);overflow-wrap:anywhere}"
            + ".brand{display:flex;align-items:center;gap:.6rem;margin:0 0 1.5rem;color:var(--muted);font-size:.9rem;font-weight:600}"
            + ".brand img{display:block;max-height:2.25rem;max-width:10rem}"
            + ".status{margin:0 0 .2rem;color:var(--muted);font-size:.875rem;font-weight:600}"
            + "h1{margin:0 0 .75rem;font-size:1.45rem;line-height:1.25;font-weight:700}"
            + "p{margin:0 0 .75rem}"
            + "a{color:var(--accent);text-underline-offset:.15em}"
            + ".actions{display:flex;flex-direction:column;gap:.6rem;margin:1.5rem 0 0}"
            + ".actions form{margin:0}"
            + ".button{display:block;width:100%;padding:.75rem 1rem;border:0;border-radius:.5rem;background:var(--accent);"
            + "color:var(--on-accent);font:inherit;font-weight:600;line-height:1.3;text-align:center;text-decoration:none;cursor:pointer}"
            + ".button:hover{filter:brightness(1.1)}"
            + ".links{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:1.25rem 0 0}"
            + ".note{margin:1.5rem 0 0;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.85rem}"
            + "a:focus-visible,.button:focus-visible{outline:3px solid var(--accent);outline-offset:3px;border-radius:.25rem}"
            + ".button:focus-visible{border-radius:.5rem}"
            + "footer{max-width:28rem;margin:1.25rem 0 0;color:var(--muted);font-size:.85rem;text-align:center}"
            + "@media (max-width:420px){body{justify-content:flex-start;padding:1rem .75rem}main{padding:1.5rem 1.25rem}}"
    }
}
