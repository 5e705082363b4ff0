// Local servers that play GitHub and Stripe for the accounts browser test,
// written from their public documentation (not from Doctown's code):
//
// GitHub (OAuth web flow with PKCE, REST API under /api):
//   GET  /login/oauth/authorize      -> 302 redirect_uri?code&state (the user approves at once)
//   POST /login/oauth/access_token   form: client_id, client_secret, code, redirect_uri, code_verifier
//   GET  /api/user, /api/repos/{o}/{r}, /api/repos/{o}/{r}/commits/{ref}, /api/repos/{o}/{r}/tarball/{sha}
//   `<login>/secret` is a private repository its owner's token alone can see.
//
// Stripe (API under /stripe, form-encoded, `Authorization: Bearer sk_…`):
//   POST /stripe/v1/checkout/sessions, /stripe/v1/billing_portal/sessions -> {id, url}
//   GET  /stripe/checkout/{id}        a hosted checkout page with a Pay button
//   POST /stripe/checkout/{id}/pay    sends `checkout.session.completed` to the webhook,
//                                     signed as Stripe signs (`t=…,v1=HMAC-SHA256(secret, "t.payload")`),
//                                     then 303 to the session's success_url

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { tar } from '../fixtures/docpack-node.mjs';

export const GITHUB_CLIENT_ID = 'Iv1.e2e-standin';
export const GITHUB_CLIENT_SECRET = 'e2e-standin-secret';
export const STRIPE_KEY = 'sk_test_e2e_standin';
export const STRIPE_WEBHOOK_SECRET = 'whsec_e2e_standin';

const COMMIT = 'c0ffee0123456789abcdef0123456789abcdef01';

/** The private repository: a small Python package with calls between modules. */
const SECRET_FILES = {
	'README.md': '# ledger\n\nA private double-entry ledger.\n',
	'ledger/__init__.py': 'from .book import Book\n',
	'ledger/book.py':
		'from .money import parse_amount\n\n\nclass Book:\n    """A ledger of postings."""\n\n    def __init__(self):\n        self.postings = []\n\n    def post(self, account, amount):\n        """Records an amount against an account."""\n        self.postings.append((account, parse_amount(amount)))\n\n    def balance(self, account):\n        """The sum of an account\'s postings."""\n        return sum(a for name, a in self.postings if name == account)\n',
	'ledger/money.py':
		'def parse_amount(text):\n    """Parses "12.50" into cents."""\n    whole, _, cents = str(text).partition(".")\n    return int(whole) * 100 + int((cents + "00")[:2])\n'
};

const tokenOf = (login) => `gho_${login}_${createHash('sha256').update(login).digest('hex').slice(0, 20)}`;

function loginOf(req) {
	const auth = req.headers.authorization ?? '';
	const token = auth.replace(/^(Bearer|token) /, '');
	const match = /^gho_([a-z0-9-]+)_[0-9a-f]{20}$/.exec(token);
	return match && tokenOf(match[1]) === token ? match[1] : null;
}

async function body(req) {
	const chunks = [];
	for await (const chunk of req) chunks.push(chunk);
	return Buffer.concat(chunks).toString('utf8');
}

function json(res, status, value) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(value));
}

function html(res, status, text) {
	res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
	res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Stand-in</title></head><body>${text}</body></html>`);
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function stripeSignature(secret, payload, timestamp = Math.floor(Date.now() / 1000)) {
	const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
	return `t=${timestamp},v1=${v1}`;
}

/**
 * Starts both stand-ins on one port. `webhookUrl()` says where Stripe's
 * events go (the Doctown server, known once it is started).
 */
export async function startStandins({ webhookUrl }) {
	const codes = new Map(); // code -> {login, challenge, redirect}
	const sessions = new Map(); // checkout id -> form fields
	const seen = { webhooks: [], tokensUsed: new Set() };
	let next = 0;
	let base = '';
	const state = { nextLogin: 'ada' };

	async function github(req, res, url) {
		const path = url.pathname;
		if (path === '/login/oauth/authorize') {
			const q = url.searchParams;
			if (q.get('client_id') !== GITHUB_CLIENT_ID || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
				return html(res, 400, 'bad client or PKCE method');
			}
			const code = randomBytes(10).toString('hex');
			codes.set(code, { login: state.nextLogin, challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
			const back = new URL(q.get('redirect_uri'));
			back.searchParams.set('code', code);
			back.searchParams.set('state', q.get('state') ?? '');
			res.writeHead(302, { location: back.href });
			return res.end();
		}
		if (path === '/login/oauth/access_token' && req.method === 'POST') {
			const form = new URLSearchParams(await body(req));
			if (form.get('client_id') !== GITHUB_CLIENT_ID || form.get('client_secret') !== GITHUB_CLIENT_SECRET) {
				return json(res, 200, { error: 'incorrect_client_credentials' });
			}
			const grant = codes.get(form.get('code'));
			codes.delete(form.get('code'));
			if (!grant) return json(res, 200, { error: 'bad_verification_code' });
			const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
			if (challenge !== grant.challenge || form.get('redirect_uri') !== grant.redirect) {
				return json(res, 200, { error: 'invalid_grant', error_description: 'PKCE verifier or redirect_uri mismatch' });
			}
			return json(res, 200, { access_token: tokenOf(grant.login), token_type: 'bearer', scope: 'read:user,repo' });
		}
		const login = loginOf(req);
		if (login) seen.tokensUsed.add(`${login} ${req.method} ${path}`);
		if (path === '/api/user') {
			if (!login) return json(res, 401, { message: 'Requires authentication' });
			return json(res, 200, { id: parseInt(createHash('sha256').update(login).digest('hex').slice(0, 8), 16), login, name: `${login[0].toUpperCase()}${login.slice(1)} Lovelace`, email: `${login}@example.com`, avatar_url: null });
		}
		const repo = /^\/api\/repos\/([^/]+)\/([^/]+)(?:\/(commits|tarball)\/(.+))?$/.exec(path);
		if (repo) {
			const [, owner, name, what] = repo;
			// Private repositories answer 404 to anyone but their owner, as GitHub does.
			if (name !== 'secret' || login !== owner) return json(res, 404, { message: 'Not Found' });
			if (!what) return json(res, 200, { id: 99, full_name: `${owner}/${name}`, private: true, size: 12, default_branch: 'main' });
			if (what === 'commits') return json(res, 200, { sha: COMMIT });
			const top = `${owner}-${name}-${COMMIT.slice(0, 7)}`;
			const entries = Object.entries(SECRET_FILES).map(([file, text]) => ({ name: `${top}/${file}`, data: Buffer.from(text) }));
			res.writeHead(200, { 'content-type': 'application/x-gzip' });
			return res.end(gzipSync(tar(entries)));
		}
		return json(res, 404, { message: 'Not Found' });
	}

	async function stripe(req, res, url) {
		const path = url.pathname;
		if (path.startsWith('/stripe/v1/')) {
			if (req.headers.authorization !== `Bearer ${STRIPE_KEY}`) return json(res, 401, { error: { message: 'Invalid API Key provided' } });
			const form = Object.fromEntries(new URLSearchParams(await body(req)));
			const id = `${path.endsWith('/checkout/sessions') ? 'cs_test' : 'bps_test'}_${++next}`;
			if (path === '/stripe/v1/checkout/sessions') {
				if (!form.success_url || !form.client_reference_id || !form['line_items[0][price]']) {
					return json(res, 400, { error: { message: 'Missing required param' } });
				}
				sessions.set(id, form);
				return json(res, 200, { id, object: 'checkout.session', url: `${base}/stripe/checkout/${id}` });
			}
			if (path === '/stripe/v1/billing_portal/sessions') {
				sessions.set(id, form);
				return json(res, 200, { id, object: 'billing_portal.session', url: `${base}/stripe/portal/${id}` });
			}
			return json(res, 404, { error: { message: 'Unrecognized request URL' } });
		}
		const page = /^\/stripe\/(checkout|portal)\/([a-z_0-9]+)(\/pay)?$/.exec(path);
		const session = page && sessions.get(page[2]);
		if (!session) return html(res, 404, 'No such session');
		if (page[1] === 'portal') {
			return html(res, 200, `<h1>Billing portal</h1><p>Customer ${escape(session.customer)}</p><a href="${escape(session.return_url)}">Return to Doctown</a>`);
		}
		if (!page[3]) {
			return html(
				res,
				200,
				`<main><h1>Subscribe to Doctown ${escape(session['metadata[plan]'])}</h1><p>Price ${escape(session['line_items[0][price]'])}</p>` +
					`<form method="post" action="/stripe/checkout/${page[2]}/pay"><button type="submit">Pay and subscribe</button></form>` +
					`<a href="${escape(session.cancel_url)}">Cancel</a></main>`
			);
		}
		// Paid: Stripe tells the merchant through a signed webhook, then sends the customer back.
		const n = ++next;
		const event = {
			id: `evt_test_${n}`,
			object: 'event',
			type: 'checkout.session.completed',
			created: Math.floor(Date.now() / 1000),
			data: {
				object: {
					id: page[2],
					object: 'checkout.session',
					mode: 'subscription',
					payment_status: 'paid',
					client_reference_id: session.client_reference_id,
					customer: session.customer ?? `cus_test_${n}`,
					subscription: `sub_test_${n}`,
					metadata: { plan: session['metadata[plan]'] }
				}
			}
		};
		const payload = JSON.stringify(event);
		const answer = await fetch(webhookUrl(), {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(STRIPE_WEBHOOK_SECRET, payload) },
			body: payload
		});
		seen.webhooks.push({ event: event.type, status: answer.status, body: await answer.text() });
		if (!answer.ok) return html(res, 502, `The merchant refused the webhook: ${answer.status}`);
		sessions.delete(page[2]);
		res.writeHead(303, { location: session.success_url });
		return res.end();
	}

	const server = createServer((req, res) => {
		const url = new URL(req.url, 'http://standin');
		(url.pathname.startsWith('/stripe/') ? stripe(req, res, url) : github(req, res, url)).catch((e) => {
			res.writeHead(500);
			res.end(String(e));
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${server.address().port}`;
	return {
		url: base,
		state,
		seen,
		tokenOf,
		close: () => new Promise((resolve) => server.close(resolve))
	};
}
