import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SubmitForm from './SubmitForm.svelte';

describe('SubmitForm', () => {
	it('validates the URL inline', async () => {
		render(SubmitForm, { onSubmit: vi.fn() });
		const input = screen.getByLabelText('Repository');
		await fireEvent.input(input, { target: { value: 'https://gitlab.com/o/r' } });
		await fireEvent.blur(input);
		expect(input).toHaveAttribute('aria-invalid', 'true');
		expect(screen.getByText(/unsupported host "gitlab.com"/)).toBeInTheDocument();
		expect(screen.getByRole('button', { name: 'Build docpack' })).toBeDisabled();

		await fireEvent.input(input, { target: { value: 'git@github.com:o/r.git' } });
		expect(input).toHaveAttribute('aria-invalid', 'false');
		expect(screen.getByText('github.com/o/r')).toBeInTheDocument();
		expect(screen.getByRole('button', { name: 'Build docpack' })).toBeEnabled();
	});

	it('submits with a loading state and shows server errors', async () => {
		let reject!: (e: Error) => void;
		const onSubmit = vi.fn(() => new Promise<void>((_, r) => (reject = r)));
		render(SubmitForm, { onSubmit });
		await fireEvent.input(screen.getByLabelText('Repository'), { target: { value: ' github.com/o/r ' } });
		await fireEvent.input(screen.getByLabelText(/Ref/), { target: { value: 'v1.0' } });
		await fireEvent.submit(screen.getByRole('button', { name: 'Build docpack' }).closest('form')!);
		expect(onSubmit).toHaveBeenCalledWith('github.com/o/r', 'v1.0');
		const button = screen.getByRole('button', { name: /Submitting/ });
		expect(button).toBeDisabled();
		reject(new Error('rate limited'));
		expect(await screen.findByRole('alert')).toHaveTextContent('Could not start the job: rate limited');
		expect(screen.getByRole('button', { name: 'Build docpack' })).toBeEnabled();
	});

	it('does not submit an empty form', async () => {
		const onSubmit = vi.fn();
		render(SubmitForm, { onSubmit });
		await fireEvent.submit(screen.getByRole('button').closest('form')!);
		expect(onSubmit).not.toHaveBeenCalled();
		expect(screen.getByText(/enter a GitHub URL/)).toBeInTheDocument();
	});
});

describe('SubmitForm cost estimate', () => {
	it('shows the tiers the configured model would cost', async () => {
		const onEstimate = vi.fn(async () => ({
			model: 'gpt-4o-mini',
			tiers: [
				{ name: 'facts only', symbols: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 },
				{ name: 'all symbols', symbols: 18, requests: 3, prompt_tokens: 2462, completion_tokens: 1434, cost_usd: 0.0012 }
			],
			selected: { name: 'default budget $0.0004', symbols: 5, requests: 1, prompt_tokens: 900, completion_tokens: 240, cost_usd: 0.0003 }
		}));
		render(SubmitForm, { onSubmit: vi.fn(), onEstimate });
		await fireEvent.input(screen.getByLabelText('Repository'), { target: { value: 'github.com/o/r' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Estimate cost' }));
		expect(onEstimate).toHaveBeenCalledWith('github.com/o/r', '');
		expect(await screen.findByText('all symbols')).toBeInTheDocument();
		expect(screen.getByText('$0.0012')).toBeInTheDocument();
		expect(screen.getByText('gpt-4o-mini')).toBeInTheDocument();
		expect(screen.getByText('default budget $0.0004')).toBeInTheDocument();
		expect(screen.getByText(/writes 5\s+symbol summaries/)).toBeInTheDocument();
	});

	it('says facts summaries are free when no model is configured', async () => {
		render(SubmitForm, { onSubmit: vi.fn(), onEstimate: vi.fn(async () => null) });
		await fireEvent.input(screen.getByLabelText('Repository'), { target: { value: 'github.com/o/r' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Estimate cost' }));
		expect(await screen.findByText(/No model is configured/)).toBeInTheDocument();
	});

	it('does not estimate an invalid URL', async () => {
		const onEstimate = vi.fn();
		render(SubmitForm, { onSubmit: vi.fn(), onEstimate });
		await fireEvent.input(screen.getByLabelText('Repository'), { target: { value: 'https://gitlab.com/o/r' } });
		await fireEvent.click(screen.getByRole('button', { name: 'Estimate cost' }));
		expect(onEstimate).not.toHaveBeenCalled();
	});
});
