// Starts the example provider and relying party for a person to try in a browser:
//   node examples/oidc/run.mjs [idpPort] [rpPort]
// The users, their passwords and TOTP seeds are printed (add a seed to an authenticator app, or
// read the current code from the line printed every 30 s).
import { startIdp, totpOf } from './idp.mjs';
import { startRp } from './rp.mjs';

const [idpPort = 3000, rpPort = 3001] = process.argv.slice(2).map(Number);
const rp = await startRp({ port: rpPort });
const idp = await startIdp({ port: idpPort, clients: [rp.metadata] });
await rp.connect(idp.issuer);

console.log(`provider ${idp.issuer}\napp      ${rp.origin}  (open this one)\n`);
for (const user of idp.users.values()) {
  console.log(`user ${user.id.padEnd(6)} password ${user.password}  TOTP ${totpOf(user).toString()}`);
}
const codes = () => console.log(`current codes: ${[...idp.users.values()].map((u) => `${u.id} ${totpOf(u).generate()}`).join(' · ')}`);
codes();
setInterval(codes, 30_000).unref();
process.on('SIGINT', async () => {
  await Promise.all([idp.close(), rp.close()]);
  process.exit(0);
});
