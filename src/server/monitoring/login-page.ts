/** The page a browser without the admin cookie gets (with 401): a form that posts the token once. */
export function loginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vehikill-net dashboard: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{font:15px system-ui,sans-serif;background:#111418;color:#e6e6e6;display:grid;place-items:center;height:100vh;margin:0}
form{background:#1b2027;padding:24px;border-radius:8px;display:grid;gap:12px;min-width:300px}
input,button{font:inherit;padding:8px;border-radius:4px;border:1px solid #394150;background:#0d1014;color:inherit}
button{background:#2d6cdf;border:none;cursor:pointer}.error{color:#ff7a7a}</style></head>
<body><form method="post" action="/dashboard/login" data-testid="login">
<h1>Operator dashboard</h1>
${failed ? '<p class="error" data-testid="login-error">That token is not the admin token.</p>' : ''}
<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>`;
}
