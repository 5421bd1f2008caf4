// Benchmark workload: a translation unit that keeps g++'s cc1plus busy
// for a few seconds (templates of the standard library, instantiated).
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

template <int N> struct unroll {
	static int run(std::map<std::string, std::vector<int>> &m)
	{
		m[std::to_string(N)].push_back(N);
		return unroll<N - 1>::run(m) + (int)m.size();
	}
};
template <> struct unroll<0> {
	static int run(std::map<std::string, std::vector<int>> &) { return 0; }
};

int main(int argc, char **argv)
{
	std::map<std::string, std::vector<int>> m;
	std::unordered_map<std::string, std::set<double>> u;
	std::vector<std::variant<int, std::string, double>> v;
	std::regex re("([a-z]+)-([0-9]+)");
	std::smatch sm;
	std::string s = argc > 1 ? argv[1] : "abc-123";
	std::ostringstream os;

	if (std::regex_match(s, sm, re))
		os << sm[1] << sm[2];
	for (int i = 0; i < argc; i++)
		u[argv[i]].insert(i * 0.5), v.emplace_back(i), v.emplace_back(std::string(argv[i]));
	std::sort(v.begin(), v.end());
	std::function<int(int)> f = [&](int x) { return x + (int)u.size(); };
	std::cout << os.str() << f(unroll<300>::run(m)) << v.size() << '\n';
	return 0;
}
