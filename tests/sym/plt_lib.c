/* Fixture: a library function so short that its caller's PLT stub takes a share of the time. */
unsigned plt_tiny(unsigned x)
{
	return x * 2654435761u + 1;
}
