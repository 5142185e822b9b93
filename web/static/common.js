// Shared by the pages' scripts (a classic script loaded before them: its top-level
// declarations are visible to the scripts that follow on the page): DOM helpers and the
// versions that serve.
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...children);
  return node;
}

// GET /api/v1/models (no key needed): the loaded versions and the default's name; none when it
// cannot be read (the page then works with the default version alone).
async function servedVersions() {
  try {
    const response = await fetch("/api/v1/models", { headers: { Accept: "application/json" } });
    if (!response.ok) return { loaded: [], default: null };
    const listing = await response.json();
    return {
      loaded: (listing.models || []).filter((m) => m.state !== "failed"),
      default: listing.default || null,
    };
  } catch (e) {
    return { loaded: [], default: null };
  }
}
