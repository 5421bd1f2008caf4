// Fixture: a generic method in a module, mangled with Rust's v0 scheme.
mod shapes {
    pub struct Grid<T> {
        pub cells: Vec<T>,
    }

    impl<T: Copy + Into<u64>> Grid<T> {
        #[inline(never)]
        pub fn checksum(&self, rounds: u32) -> u64 {
            let mut s = 0u64;
            for r in 0..rounds {
                for c in &self.cells {
                    s = s.wrapping_mul(31).wrapping_add((*c).into() ^ r as u64);
                }
            }
            s
        }
    }
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let grid = shapes::Grid::<u32> { cells: (0..10000u32).collect() };
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        // a volatile read keeps the call from being hoisted (black_box is
        // not stable in Debian 12's rustc)
        let g: &shapes::Grid<u32> = unsafe { std::ptr::read_volatile(&&grid) };
        acc ^= g.checksum(20);
    }
    std::process::exit((acc == 42) as i32);
}
