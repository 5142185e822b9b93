// Swagger UI bootstrap: the OpenAPI document comes from this server; nothing from a CDN.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    // No badge from the public validator service: it would send the document's URL outside.
    validatorUrl: null,
  });
});
