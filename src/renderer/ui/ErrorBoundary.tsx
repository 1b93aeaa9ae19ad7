import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What the page is called in the message ("the run page"). */
  page: string;
  children: ReactNode;
}

/** Keeps a page's crash inside the page: the header and the other pages stay usable. */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.page} failed`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel banner-error" role="alert" data-testid="page-error">
        <h1>Something went wrong on {this.props.page}</h1>
        <p>{error.message}</p>
        <button type="button" className="btn" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
