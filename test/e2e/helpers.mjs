/** What the e2e specs share: a call through the HTTP door as a script makes it, and screenshots at both widths. */

/** A contract call through the HTTP door (token, JSON), as a script would make it; throws the door's message. */
export async function api(server, name, input) {
  const res = await fetch(`${new URL(server.url).origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: JSON.stringify(input ?? {}),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.value;
}

/** The same state at 1440 and 1024 px wide, in both themes: <name>-<width>-<theme>.png. */
export async function sizes(ctx, name) {
  for (const width of [1440, 1024]) {
    await ctx.page.setViewportSize({ width, height: 900 });
    await ctx.shotBoth(`${name}-${width}`);
  }
  await ctx.page.setViewportSize({ width: 1360, height: 860 });
}
