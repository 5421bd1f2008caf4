// Fixture: the hot loop is an always-inline method of a class template in
// a namespace, so its time shows only through DWARF inline information.
#include <chrono>
#include <cstdlib>

namespace calc {
template <typename T> struct Accum {
	volatile T total{};
	__attribute__((always_inline)) inline void add_many(int n)
	{
		for (int i = 0; i < n; i++) // HOT-LOOP
			total = total + static_cast<T>(i); // HOT-LINE
	}
};
} // namespace calc

__attribute__((noinline)) void hot_driver(calc::Accum<long> &a)
{
	a.add_many(200000);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
	calc::Accum<long> a;

	while (std::chrono::steady_clock::now() < end)
		hot_driver(a);
	return a.total == 42;
}
