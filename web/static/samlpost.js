// Sends the identity provider's answer on from signet's own page, so that
// the browser includes its SameSite=Lax session cookie (see web/saml.go).
document.getElementById("saml-continue").submit();
