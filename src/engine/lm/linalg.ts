/**
 * Small float64 linear algebra for initialisation: the truncated
 * SVD that starts MLBL-F's factor matrices (MODELS.md: "The code initialises W_fx, W_hf from a
 * truncated SVD of a pretrained R").
 */

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major, float64) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as columns of `vectors`.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const Vm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vm[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += (A[p * n + p] as number) ** 2;
      for (let q = p + 1; q < n; q++) off += (A[p * n + q] as number) ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p] as number;
        const aqq = A[q * n + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p] as number;
          const akq = A[k * n + q] as number;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k] as number;
          const aqk = A[q * n + k] as number;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = Vm[k * n + p] as number;
          const vkq = Vm[k * n + q] as number;
          Vm[k * n + p] = c * vkp - s * vkq;
          Vm[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (A[j * n + j] as number) - (A[i * n + i] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src] as number;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = Vm[k * n + src] as number;
  });
  return { values, vectors };
}

/**
 * Rank-F truncated SVD of R (K x V, row-major): R ~= U_F S_F V_F^T. Returns, as the authors'
 * `svd_tools.svd` does, `Wfx = U_F S_F` (K x F) and `Whf = V_F^T` (F x V), with the sign of each
 * factor chosen so that the largest-magnitude entry of each row of Whf is positive (their
 * svd_flip, applied to the transposed problem). Computed exactly from the eigenvectors of R R^T
 * (K x K) rather than by their randomized range finder.
 */
export function truncatedSvd(R: Float64Array, K: number, V: number, F: number): { Wfx: Float64Array; Whf: Float64Array } {
  if (F > K || F > V) throw new Error(`truncated SVD: ${F} factors exceed the rank bound min(K=${K}, V=${V})`);
  const G = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = i; j < K; j++) {
      let s = 0;
      for (let v = 0; v < V; v++) s += (R[i * V + v] as number) * (R[j * V + v] as number);
      G[i * K + j] = s;
      G[j * K + i] = s;
    }
  }
  const { values, vectors } = symmetricEigen(G, K);
  const Wfx = new Float64Array(K * F);
  const Whf = new Float64Array(F * V);
  for (let f = 0; f < F; f++) {
    const sigma = Math.sqrt(Math.max(0, values[f] as number));
    // Whf row f = u_f^T R / sigma (a right singular vector).
    let maxAbs = 0;
    let sign = 1;
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (vectors[k * K + f] as number) * (R[k * V + v] as number);
      const val = sigma > 1e-12 ? s / sigma : 0;
      Whf[f * V + v] = val;
      if (Math.abs(val) > maxAbs) {
        maxAbs = Math.abs(val);
        sign = val < 0 ? -1 : 1;
      }
    }
    for (let v = 0; v < V; v++) Whf[f * V + v] = (Whf[f * V + v] as number) * sign;
    for (let k = 0; k < K; k++) Wfx[k * F + f] = (vectors[k * K + f] as number) * sigma * sign;
  }
  return { Wfx, Whf };
}
