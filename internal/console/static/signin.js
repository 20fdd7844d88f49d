// Sign-in of the pool console: the OpenID Connect authorization-code flow with
// PKCE (S256), for a public client. The token lives in sessionStorage (this
// tab only) and is sent as a bearer token; it never goes into a URL. The
// authorization code does (the flow wants it there), and is removed from the
// address bar before it is exchanged.
(function () {
  'use strict';

  const PENDING = 'zoom-pool.sign-in';
  const SESSION = 'zoom-pool.session';

  function base64url(bytes) {
    let s = '';
    for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomString() {
    return base64url(crypto.getRandomValues(new Uint8Array(32)));
  }

  async function challengeOf(verifier) {
    return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  }

  // claimsOf decodes a JWT's claims. The API checks the signature; the page
  // reads the claims only to show what the API will allow.
  function claimsOf(token) {
    const part = token.split('.')[1] || '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(decodeURIComponent(Array.from(json, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
  }

  // The console's own address, without query or fragment: the redirect URI.
  function redirectURI() {
    return location.origin + location.pathname;
  }

  class SignInError extends Error {}

  // loadConfig reads the console's sign-in settings and, when the issuer's
  // endpoints are not among them, the issuer's discovery document.
  async function loadConfig() {
    const res = await fetch('console/config.json', { cache: 'no-cache' });
    if (!res.ok) throw new SignInError('The console could not read its sign-in settings (' + res.status + ').');
    const cfg = await res.json();
    if (!cfg.issuer || !cfg.client_id) return cfg;
    if (!cfg.authorization_endpoint || !cfg.token_endpoint) {
      const d = await fetch(cfg.issuer.replace(/\/$/, '') + '/.well-known/openid-configuration');
      if (!d.ok) throw new SignInError('The identity provider ' + cfg.issuer + ' did not describe itself (' + d.status + ').');
      const doc = await d.json();
      cfg.authorization_endpoint = doc.authorization_endpoint;
      cfg.token_endpoint = doc.token_endpoint;
      cfg.end_session_endpoint = cfg.end_session_endpoint || doc.end_session_endpoint;
    }
    return cfg;
  }

  // begin sends the browser to the issuer's sign-in page.
  async function begin(cfg) {
    const pending = { state: randomString(), verifier: randomString(), nonce: randomString() };
    sessionStorage.setItem(PENDING, JSON.stringify(pending));
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: cfg.client_id,
      redirect_uri: redirectURI(),
      scope: cfg.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await challengeOf(pending.verifier),
      code_challenge_method: 'S256',
    });
    location.assign(cfg.authorization_endpoint + '?' + q.toString());
  }

  // complete finishes a sign-in when the issuer has sent the browser back
  // with a code (or an error): it checks state, exchanges the code with the
  // verifier and keeps the token. It returns the session, or null when the
  // address holds no answer of the issuer.
  async function complete(cfg) {
    const params = new URLSearchParams(location.search);
    if (!params.has('code') && !params.has('error')) return null;
    history.replaceState(null, '', location.pathname + location.hash);
    const raw = sessionStorage.getItem(PENDING);
    sessionStorage.removeItem(PENDING);
    const pending = raw ? JSON.parse(raw) : null;
    if (params.has('error')) {
      throw new SignInError('The sign-in was not completed: ' + (params.get('error_description') || params.get('error')) + '.');
    }
    if (!pending || !params.get('state') || params.get('state') !== pending.state) {
      throw new SignInError('This sign-in answer does not belong to a sign-in started in this tab, so it was ignored. Sign in again.');
    }
    const res = await fetch(cfg.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: redirectURI(),
        client_id: cfg.client_id,
        code_verifier: pending.verifier,
      }),
    });
    let body = {};
    try { body = await res.json(); } catch (e) { /* an answer without JSON */ }
    if (!res.ok) {
      throw new SignInError('The identity provider refused the sign-in: ' + (body.error_description || body.error || res.status) + '. Sign in again.');
    }
    // The ID token names the user and carries the roles and teacher id the API reads.
    const token = body.id_token || body.access_token;
    if (!token) throw new SignInError('The identity provider answered without a token. Sign in again.');
    const claims = claimsOf(token);
    if (body.id_token && claims.nonce !== undefined && claims.nonce !== pending.nonce) {
      throw new SignInError('The token was not issued for this sign-in (nonce mismatch). Sign in again.');
    }
    const session = { token: token, expiresAt: (claims.exp || 0) * 1000 };
    sessionStorage.setItem(SESSION, JSON.stringify(session));
    return session;
  }

  // current is the kept session, or null when there is none or it has expired.
  function current() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION) || 'null');
      if (s && s.token && s.expiresAt > Date.now() + 10000) return s;
    } catch (e) { /* a damaged entry is no session */ }
    sessionStorage.removeItem(SESSION);
    return null;
  }

  // signOut forgets the token; with an issuer session to end, it goes there.
  function signOut(cfg) {
    sessionStorage.removeItem(SESSION);
    sessionStorage.removeItem(PENDING);
    if (cfg && cfg.end_session_endpoint) {
      const q = new URLSearchParams({ client_id: cfg.client_id, logout_uri: redirectURI(), post_logout_redirect_uri: redirectURI() });
      location.assign(cfg.end_session_endpoint + '?' + q.toString());
      return true;
    }
    return false;
  }

  window.ZoomPoolSignIn = { loadConfig, begin, complete, current, signOut, claimsOf, SignInError };
})();
