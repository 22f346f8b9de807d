// signet's passkey ceremonies (WebAuthn). Buttons with data-passkey run
// one: the options come from data-options, the authenticator's answer goes
// to data-finish, both as same-origin form posts carrying the form's CSRF
// token; the server answers JSON {next} or {error}. Without script the
// buttons stay hidden.
(function () {
  "use strict";
  function enc(buf) {
    var s = "", b = new Uint8Array(buf);
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b.buffer;
  }
  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: new URLSearchParams(data),
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || "The passkey was not accepted.");
        return j;
      });
    });
  }
  function creation(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    p.user.id = dec(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return o;
  }
  function request(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return o;
  }
  function credential(c) {
    var r = c.response, out = {
      id: c.id, rawId: enc(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults(),
      response: { clientDataJSON: enc(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = enc(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = enc(r.authenticatorData);
      out.response.signature = enc(r.signature);
      if (r.userHandle) out.response.userHandle = enc(r.userHandle);
    }
    return JSON.stringify(out);
  }
  if (!window.PublicKeyCredential) return;
  document.querySelectorAll("[data-passkey]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function (ev) {
      ev.preventDefault();
      var form = btn.form, status = document.getElementById("passkey-status");
      var csrf = form.elements.csrf.value;
      if (status) status.hidden = true;
      btn.disabled = true;
      post(btn.dataset.options, { csrf: csrf }).then(function (start) {
        var op = btn.dataset.passkey === "register" ?
          navigator.credentials.create(creation(start.options)) :
          navigator.credentials.get(request(start.options));
        return op.then(function (cred) {
          var data = { csrf: csrf, state: start.state, credential: credential(cred) };
          if (form.elements.name) data.name = form.elements.name.value;
          if (form.elements["return"]) data["return"] = form.elements["return"].value;
          return post(btn.dataset.finish, data);
        });
      }).then(function (done) {
        window.location.assign(done.next);
      }).catch(function (e) {
        btn.disabled = false;
        if (status) {
          status.textContent = e && e.name === "NotAllowedError" ? "The passkey was not used." : (e.message || "The passkey was not accepted.");
          status.hidden = false;
        }
      });
    });
  });
})();
