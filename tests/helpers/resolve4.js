// Node.js's own DNS client (c-ares, which reads /etc/resolv.conf and sends
// its queries itself, not through getaddrinfo), for the interception tests.
//
//   node resolve4.js NAME [--mx MXNAME] [--txt TXTNAME] [--lookup]
//
// Prints "A ADDR" for each address dns.resolve4(NAME) answers; with --mx,
// "MX PREF EXCHANGE" for each record of dns.resolveMx(MXNAME); with --txt,
// "TXT TEXT" for dns.resolveTxt(TXTNAME); with --lookup, "lookup ADDR" from
// dns.lookup(NAME, 4) (getaddrinfo, in the same process). A failure prints
// "error FUNCTION CODE" (ENOTFOUND, EREFUSED, ETIMEOUT, ...) and exits 1.
'use strict';
const dns = require('dns');

function usage() {
	process.stderr.write('usage: node resolve4.js NAME [--mx NAME] [--txt NAME] [--lookup]\n');
	process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length < 1 || argv[0].startsWith('--'))
	usage();
const name = argv[0];
let mx = null, txt = null, lookup = false;
for (let i = 1; i < argv.length; i++) {
	if (argv[i] === '--mx' && i + 1 < argv.length)
		mx = argv[++i];
	else if (argv[i] === '--txt' && i + 1 < argv.length)
		txt = argv[++i];
	else if (argv[i] === '--lookup')
		lookup = true;
	else
		usage();
}

function call(fn, ...args) {
	return new Promise((resolve) => {
		fn(...args, (err, res) => resolve({ err, res }));
	});
}

async function main() {
	let failed = false;
	let r = await call(dns.resolve4, name);
	if (r.err) {
		console.log(`error resolve4 ${r.err.code}`);
		failed = true;
	} else {
		for (const a of r.res)
			console.log(`A ${a}`);
	}
	if (lookup) {
		r = await call(dns.lookup, name, 4);
		if (r.err) {
			console.log(`error lookup ${r.err.code}`);
			failed = true;
		} else {
			console.log(`lookup ${r.res}`);
		}
	}
	if (mx !== null) {
		r = await call(dns.resolveMx, mx);
		if (r.err) {
			console.log(`error resolveMx ${r.err.code}`);
			failed = true;
		} else {
			for (const m of r.res)
				console.log(`MX ${m.priority} ${m.exchange}`);
		}
	}
	if (txt !== null) {
		r = await call(dns.resolveTxt, txt);
		if (r.err) {
			console.log(`error resolveTxt ${r.err.code}`);
			failed = true;
		} else {
			for (const t of r.res)
				console.log(`TXT ${t.join('')}`);
		}
	}
	process.exit(failed ? 1 : 0);
}

main();
