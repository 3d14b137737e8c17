// Starts the example provider and relying party for a person to try in a browser:
//   node examples/oidc/run.mjs [idpPort] [rpPort]
// The users, their passwords and TOTP seeds are printed (add a seed to an authenticator app, or
// read the current code from the line printed every 30 s), and the recovery codes erin and frank
// saved (their security keys are lost: "I lost my security key" on the step-up page).
import { startIdp, totpOf } from './idp.mjs';
import { startRp } from './rp.mjs';

const [idpPort = 3000, rpPort = 3001] = process.argv.slice(2).map(Number);
const rp = await startRp({ port: rpPort });
const idp = await startIdp({ port: idpPort, clients: [rp.metadata] });
await rp.connect(idp.issuer);

console.log(`provider ${idp.issuer}\napp      ${rp.origin}  (open this one)`);
console.log(`account  ${idp.issuer}/account  (your factors, once signed in)\nSOC      ${idp.issuer}/soc  (approvals; sign in as sofia first)\n`);
for (const user of idp.users.values()) {
  console.log(`user ${user.id.padEnd(6)} password ${user.password}  TOTP ${totpOf(user).toString()}`);
  if (user.savedCodes) console.log(`       lost their security key; saved recovery codes: ${user.savedCodes.join(' ')}`);
}
const codes = () => console.log(`current codes: ${[...idp.users.values()].map((u) => `${u.id} ${totpOf(u).generate()}`).join(' · ')}`);
codes();
setInterval(codes, 30_000).unref();
process.on('SIGINT', async () => {
  await Promise.all([idp.close(), rp.close()]);
  process.exit(0);
});
