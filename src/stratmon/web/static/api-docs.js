/* The API reference (/api/docs): Swagger UI, vendored, reading this server's OpenAPI document. */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  window.SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
