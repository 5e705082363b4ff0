//! The one float formatting of every artifact, and small vector helpers.

/// Rounds to 6 decimals for serialising: every float written by assemble
/// goes through here, so the same inputs give the same bytes. NaN and
/// infinities become 0 and `-0` becomes `0`.
pub fn fixed(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// [`fixed`] for an `f32`.
pub fn fixed32(x: f32) -> f64 {
    fixed(f64::from(x))
}

/// Scales `v` to unit length in place; false (and unchanged) when its norm is 0.
pub fn normalize(v: &mut [f32]) -> bool {
    let norm = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return false;
    }
    for x in v.iter_mut() {
        *x = (f64::from(*x) / norm) as f32;
    }
    true
}

/// Dot product in f64.
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_and_cleans() {
        assert_eq!(fixed(0.123_456_78), 0.123_457);
        assert_eq!(fixed(-0.000_000_1), 0.0);
        assert!(fixed(-0.000_000_1).is_sign_positive());
        assert_eq!(fixed(f64::NAN), 0.0);
        assert_eq!(fixed(f64::INFINITY), 0.0);
    }

    #[test]
    fn normalize_unit_and_zero() {
        let mut v = [3.0, 4.0];
        assert!(normalize(&mut v));
        assert!((dot(&v, &v) - 1.0).abs() < 1e-6);
        let mut z = [0.0f32; 3];
        assert!(!normalize(&mut z));
    }
}
